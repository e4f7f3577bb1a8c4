// The two-layer tanh RNN for characters: dsl/rnn2.ts with its input declared one-hot, trainable on
// characters (`shapegrad train --model dsl/char-rnn2.ts`): its states h1 and h2 are carried from
// step to step (batch keys h1_0, h2_0; result keys h1_T, h2_T).
import { defineModel } from "../src/index.js";
import rnn2 from "./rnn2.js";

export default defineModel({ ...rnn2.spec, name: "charRnn2", oneHot: ["x"], trainable: { vocab: ["d", "v"], hidden: "h" } });
