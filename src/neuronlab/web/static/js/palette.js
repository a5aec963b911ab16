// Colours that are not weights. Red/blue stays the sign of a weight and green/magenta the sign of
// an input times a weight, everywhere; models, data splits and right/wrong get their own hues
// (from the Okabe-Ito colour-blind-safe set) and a dash pattern, so no colour has two meanings
// and no line is told apart by colour alone. Static figures use the same values
// (neuronlab.plots._style).

/** Lines of a training split: {color, dash}. */
export const SPLITS = {
  train: { color: "#e69f00", dash: [6, 4], label: "training" },
  validation: { color: "#1d232b", dash: [], label: "validation" },
  test: { color: "#1d232b", dash: [], label: "test" },
  loss: { color: "#1d232b", dash: [], label: "loss" },
};

/** Lines and bars of each model kind: {color, dash, label}. */
export const MODELS = {
  logistic: { color: "#1d232b", dash: [2, 3], label: "logistic regression" },
  mlp: { color: "#e69f00", dash: [], label: "hidden layer" },
  augmented: { color: "#8a6d00", dash: [8, 3], label: "hidden layer, shifted copies" },
  cnn: { color: "#56b4e9", dash: [], label: "convolutional" },
};

/** Right and wrong answers (confusion cells, verdicts): dark teal and orange, never red/blue. */
export const RIGHT = "#00705a";
export const WRONG = "#c26a00";

/** The winning output bar, and the others. */
export const WINNER = "#e69f00";
export const OTHER = "#b9c0c8";

/** The chosen row, unit or move (boxes and markers), and text written in its colour. */
export const HIGHLIGHT = "#f0a500";
export const HIGHLIGHT_TEXT = "#8a5a00";
