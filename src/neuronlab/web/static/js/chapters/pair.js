// Chapter 3: one neuron (logistic regression) tells two digits apart.
import { controls, formatSetting } from "../controls.js";
import { means, model } from "../data.js";
import { el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { drawStrip, drawWeights, fivePanels, stripFigure } from "../panels.js";
import { RED_BLUE, absMax } from "../colormaps.js";
import { C_FIELD } from "../knobs.js";
import { findModel, resultsPanel, stillWanted, trainingPanel } from "../training.js";
import { conclude } from "../conclusions.js";
import { exercises } from "../exercises.js";
import { className, classLabels, isDigits, noun, phrase } from "../words.js";

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const fields = [
  { name: "a", type: "int", default: 1, min: 0, max: 9, options: DIGITS, get labels() { return classLabels(); }, get label() { return `first ${noun()}`; } },
  { name: "b", type: "int", default: 8, min: 0, max: 9, options: DIGITS, get labels() { return classLabels(); }, get label() { return `second ${noun()}`; } },
  C_FIELD,
];

/** The pair in the model's order: the smaller digit is class A (output 0), the larger B (1). */
const ordered = (store) => {
  const [x, y] = [store.get("a"), store.get("b")];
  return x < y ? [x, y] : [y, x];
};

function mount(root, store) {
  let seq = 0;
  let shown = null;
  const panels = fivePanels("pair");
  const results = resultsPanel(phrase("Confusion matrix on held-out test {items}"));
  const map = makeCanvas(252, 252, "the 784 weights as a 28 by 28 map");
  const strip = stripFigure("The 784 weights as a strip", "pair-weights-strip", LEGENDS.weights());
  const facts = el("p", { class: "status facts", role: "status" });
  const conclusion = el("p", { class: "prose conclusion" });
  const weightsBox = el("div", { hidden: true },
    el("h2", { text: "What the neuron learned" }),
    facts,
    conclusion,
    el("div", { class: "figs" },
      figure({ title: "Weights as 28 × 28", canvas: map, name: "pair-weights-map", tight: true, legend: LEGENDS.weightsShort(), note: "Red pixels push the output towards class B, blue pixels towards class A. Each map is scaled to its own largest weight." }),
      strip.fig));
  const message = el("p", { class: "status", role: "status" });
  const ex = exercises("pair", store);
  const trainer = trainingPanel({
    step: "iteration",
    label: "Train logistic regression",
    request: () => ({ model: "logistic", preset: "module", multi_class: "ovr", classes: ordered(store), C: store.get("C"), seed: 0 }),
    onDone: (done) => {
      const now = stillWanted(done, { C: store.get("C") });
      return showModel(++seq, !now, now ? done.model_key : null);
    },
  });
  const resultsBox = el("div", {}, el("h2", { text: "Means, difference and weights" }),
    el("p", { class: "prose", text: phrase("Compare the learned weights with the two class means. The weights do not copy either {item}: they are large where the two classes differ and near zero where both (or neither) have ink.") }),
    panels.element,
    results.element,
    weightsBox);

  root.append(
    el("p", { class: "prose", text: phrase(`Take only two classes of {items}. One neuron with 784 weights, one per pixel, learns to output near 0 for class A (${isDigits() ? "the smaller digit" : "the class with the smaller number"}) and near 1 for class B (the larger); above 0.5 it answers B. This is logistic regression. Its L2 penalty is set by C: a small C (the course uses 0.001) keeps the weights small and smooth, a large C lets them fit every pixel of the training {items}. Once a model is trained, drag C and the neuron is retrained at once; every setting you have tried stays saved, so going back is instant.`) }),
    controls(store, ["a", "b", "C"]),
    message,
    trainer.element,
    resultsBox,
    ex.element,
  );

  /** Show the model of the current settings; with `keep`, leave the old one up when there is none. */
  async function showModel(token, keep = false, key = null) {
    const [a, b] = ordered(store);
    const C = store.get("C");
    const [[meanA, meanB], found] = await Promise.all([
      means(a, b),
      key ? { model_key: key } : findModel({ kind: "logistic", classes: [a, b], settings: { C } }),
    ]);
    if (token !== seq) return null;
    let m = null;
    if (found) m = await model(found.model_key);
    if (token !== seq) return null;
    if (!m && keep) return false;
    shown = m;
    panels.draw(meanA, meanB, m ? m.coef : null, className(a), className(b));
    weightsBox.hidden = !m;
    results.show(m ? m.summary : null);
    if (!m) {
      trainer.showCurves(null);
      return true;
    }
    const sm = m.summary;
    trainer.showCurves(sm.loss_curve, []);
    drawWeights(map, m.coef, 252);
    const wm = absMax(m.coef);
    drawStrip(strip.canvas, m.coef, 784, 40, null, RED_BLUE, -wm, wm);
    const n_test = sm.confusion.flat().reduce((p, q) => p + q, 0);
    conclusion.textContent = conclude.pair({ a: className(a), b: className(b), test_accuracy: sm.test_accuracy, n_test, weights: m.coef, meanA, meanB });
    ex.check({ a, b, test_accuracy: sm.test_accuracy, train_accuracy: sm.train_accuracy, n_test, C: sm.settings?.C ?? C });
    facts.textContent = `C = ${formatSetting(sm.settings?.C ?? C)}: training accuracy ${pct(sm.train_accuracy)}, test accuracy ${pct(sm.test_accuracy)}; the largest weight is ${wm.toPrecision(2)}.`;
    return true;
  }

  /**
   * Train the model the knobs name now, unless it exists. Decided apart from the redraw token,
   * which a finishing fit may have moved on; the panel runs only the newest request anyway.
   */
  async function trainIfMissing() {
    const [a, b] = ordered(store);
    const C = store.get("C");
    const found = await findModel({ kind: "logistic", classes: [a, b], settings: { C } });
    if (!found && store.get("C") === C) trainer.run();
  }

  function update(s, changed) {
    const same = s.a === s.b;
    message.textContent = same ? phrase("Pick two different {nouns}: one neuron needs two classes to tell apart.") : "";
    message.className = same ? "error" : "status";
    trainer.setEnabled(!same);
    // Nothing of the previous pair stays on screen while the choice is not a pair.
    resultsBox.hidden = same;
    if (same) return;
    // Moving C retrains as soon as a model of this pair is on screen (the experiment is running).
    if (changed.has("C") && changed.size === 1 && shown) {
      // The old weights stay up until the new ones arrive, so a drag is a smooth change.
      showModel(++seq, true);
      trainIfMissing();
      return;
    }
    showModel(++seq);
  }
  return { update, unmount: trainer.close };
}

const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);

export default {
  id: 3,
  slug: "pair",
  get title() {
    return phrase("Two {nouns}, one neuron");
  },
  get lead() {
    return phrase("Logistic regression: a single neuron learns which pixels separate two {nouns}.");
  },
  fields,
  mount,
};
