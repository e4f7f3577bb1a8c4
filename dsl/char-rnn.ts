// The flagship recurrent network for characters: dsl/rnn.ts with its input declared one-hot. A
// batch then holds one character index per row (`xs: Mat<"Tn", 1>`), and the generator turns
// X·U into a gather of U's rows and Xᵀ·G into a scatter-add. This is what `shapegrad train` uses.
// Adagrad's rate 0.05: better than 0.1 on every text measured (README, "Training defaults, measured").
import { defineModel } from "../src/index.js";
import rnn from "./rnn.js";

export default defineModel({ ...rnn.spec, name: "charRnn", oneHot: ["x"], trainable: { vocab: ["d", "v"], hidden: "h", lr: 0.05 } });
