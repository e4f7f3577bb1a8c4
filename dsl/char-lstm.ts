// The LSTM for characters: dsl/lstm.ts with its input declared one-hot. A batch then holds one
// character index per row (`xs: Mat<"Tn", 1>`), and the generator turns the four input products
// X·Ui, X·Uf, X·Uo and X·Ug into gathers of rows and their Xᵀ·G into scatter-adds.
// Adagrad's rate 0.2: after 60 s far better than 0.1 on code, within 0.02 of it on legal text and docs
// (README, "Training defaults, measured").
import { defineModel } from "../src/index.js";
import lstm from "./lstm.js";

export default defineModel({ ...lstm.spec, name: "charLstm", oneHot: ["x"], trainable: { vocab: ["d", "v"], hidden: "h", lr: 0.2 } });
