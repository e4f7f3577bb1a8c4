// The GRU for characters: dsl/gru.ts with its input declared one-hot. A batch then holds one
// character index per row (`xs: Mat<"Tn", 1>`), and the generator turns X·Uz, X·Ur and X·Uh into
// gathers of rows and their Xᵀ·G into scatter-adds.
import { defineModel } from "../src/index.js";
import gru from "./gru.js";

export default defineModel({ ...gru.spec, name: "charGru", oneHot: ["x"], trainable: { vocab: ["d", "v"], hidden: "h" } });
