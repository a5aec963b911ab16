// Widget: the web lab's chapter 1, one neuron, with inputs, weights, bias and activation synced.
import neuron from "../chapters/neuron.js";
import { mountChapter } from "./host.js";

const FIVE = [1, 2, 3, 4, 5];

export default (host) =>
  mountChapter(host, neuron, {
    traits: ["inputs", "weights", "bias", "activation"],
    toState: (model) => ({
      ...Object.fromEntries(FIVE.map((i) => [`x${i}`, model.get("inputs")[i - 1]])),
      ...Object.fromEntries(FIVE.map((i) => [`w${i}`, model.get("weights")[i - 1]])),
      bias: model.get("bias"),
      act: model.get("activation"),
    }),
    toTraits: (s) => ({
      inputs: FIVE.map((i) => s[`x${i}`]),
      weights: FIVE.map((i) => s[`w${i}`]),
      bias: s.bias,
      activation: s.act,
    }),
  });
