// Chapter 3: one neuron (logistic regression) tells two digits apart.
import { controls } from "../controls.js";
import { means, model } from "../data.js";
import { el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { drawStrip, drawWeights, fivePanels, stripFigure } from "../panels.js";
import { RED_BLUE, absMax } from "../colormaps.js";
import { findModel, resultsPanel, trainingPanel } from "../training.js";

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const fields = [
  { name: "a", type: "int", default: 1, min: 0, max: 9, options: DIGITS, label: "first digit" },
  { name: "b", type: "int", default: 8, min: 0, max: 9, options: DIGITS, label: "second digit" },
];

/** The pair in the model's order: the smaller digit is class A (output 0), the larger B (1). */
const ordered = (store) => {
  const [x, y] = [store.get("a"), store.get("b")];
  return x < y ? [x, y] : [y, x];
};

function mount(root, store) {
  let seq = 0;
  const panels = fivePanels("pair");
  const results = resultsPanel("Confusion matrix on held-out test digits");
  const map = makeCanvas(252, 252, "the 784 weights as a 28 by 28 map");
  const strip = stripFigure("The 784 weights as a strip", "pair-weights-strip", LEGENDS.weights());
  const weightsBox = el("div", { hidden: true },
    el("h2", { text: "What the neuron learned" }),
    el("div", { class: "figs" },
      figure({ title: "Weights as 28 × 28", canvas: map, name: "pair-weights-map", tight: true, legend: LEGENDS.weightsShort(), note: "Red pixels push the output towards class B, blue pixels towards class A." }),
      strip.fig));
  const message = el("p", { class: "status", role: "status" });
  const trainer = trainingPanel({
    step: "iteration",
    label: "Train logistic regression",
    request: () => ({ model: "logistic", preset: "module", multi_class: "ovr", classes: ordered(store), seed: 0 }),
    onDone: () => showModel(++seq),
  });

  root.append(
    el("p", { class: "prose", text: "Take only two classes of digits. One neuron with 784 weights, one per pixel, learns to output near 0 for class A (the smaller digit) and near 1 for class B (the larger); above 0.5 it answers B. This is logistic regression, trained here with strong L2 regularisation (C = 0.001) as in the course." }),
    controls(store, ["a", "b"]),
    message,
    trainer.element,
    el("h2", { text: "Means, difference and weights" }),
    el("p", { class: "prose", text: "Compare the learned weights with the two class means. The weights do not copy either digit: they are large where the two classes differ and near zero where both (or neither) have ink." }),
    panels.element,
    results.element,
    weightsBox,
  );

  async function showModel(token) {
    const [a, b] = ordered(store);
    const [[meanA, meanB], found] = await Promise.all([means(a, b), findModel({ kind: "logistic", classes: [a, b] })]);
    if (token !== seq) return;
    let m = null;
    if (found) m = await model(found.model_key);
    if (token !== seq) return;
    panels.draw(meanA, meanB, m ? m.coef : null, `${a}`, `${b}`);
    weightsBox.hidden = !m;
    results.show(m ? m.summary : null);
    if (!m) {
      trainer.showCurves(null);
      return;
    }
    trainer.showCurves(m.summary.loss_curve, []);
    drawWeights(map, m.coef, 252);
    const wm = absMax(m.coef);
    drawStrip(strip.canvas, m.coef, 784, 40, null, RED_BLUE, -wm, wm);
  }

  function update(s) {
    const same = s.a === s.b;
    message.textContent = same ? "Pick two different digits." : "";
    message.className = same ? "error" : "status";
    trainer.setEnabled(!same);
    if (!same) showModel(++seq);
  }
  return { update, unmount: trainer.close };
}

export default {
  id: 3,
  slug: "pair",
  title: "Two digits, one neuron",
  lead: "Logistic regression: a single neuron learns which pixels separate two digits.",
  fields,
  mount,
};
