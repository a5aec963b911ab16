// Chapter 6: a hidden layer of neurons, each learning its own feature of the digits.
import { controls, setMax } from "../controls.js";
import { imageInto, model, modelList, testSet } from "../data.js";
import { barChart } from "../charts.js";
import { drawGrid, el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { absMax, cssColor, GREEN_MAGENTA, RED_BLUE } from "../colormaps.js";
import { argmax, mlpForward } from "../nn.js";
import { drawDigit, drawUnitOutputs } from "../panels.js";
import { findModel, pickModels, resultsPanel, trainingPanel } from "../training.js";

const fields = [
  { name: "preset", type: "enum", default: "module", options: ["module", "fast"], labels: { module: "the course's settings", fast: "fast defaults" }, label: "settings" },
  { name: "hidden", type: "int", default: 25, min: 1, max: 400, control: "number", label: "hidden units" },
  { name: "epochs", type: "int", default: 0, min: 0, max: 500, control: "number", label: "max epochs (0: preset's)" },
  { name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" },
  { name: "model", type: "str", default: "", label: "model shown" },
];

/** Columns for a grid of n maps: square-ish, at most 10 across. */
const columns = (n) => Math.min(10, Math.ceil(Math.sqrt(n)));

function mount(root, store) {
  let seq = 0;
  let m = null;
  const picker = el("select", { id: "hidden-model" });
  let test = null;
  const x = new Float32Array(784);
  const weighted = new Float32Array(784);
  const mapsCanvas = makeCanvas(400, 400, "hidden units' weight maps");
  const mapsFig = figure({ title: "Weights of each hidden unit", canvas: mapsCanvas, name: "hidden-weight-maps", legend: LEGENDS.weights(), note: "Each map is scaled to its own largest weight. They update while the network trains." });
  mapsFig.hidden = true;
  const mlpResults = resultsPanel("Confusion matrix", "Hidden-layer network");
  const lrResults = resultsPanel("Confusion matrix", "Logistic regression, for comparison (chapter 4)");
  const image = makeCanvas(140, 140, "the chosen test image");
  const products = makeCanvas(400, 400, "input times each unit's weights");
  const totals = makeCanvas(480, 180, "each unit's total input");
  const outs = makeCanvas(400, 120, "each unit's output");
  const probs = makeCanvas(330, 180, "output probabilities");
  const verdict = el("p", { class: "status", role: "status" });
  const imageBox = el("div", { hidden: true },
    el("h2", { text: "Follow one test image through the network" }),
    controls(store, ["img"]),
    verdict,
    el("div", { class: "figs" },
      figure({ title: "Input", canvas: image, name: "hidden-input", legend: LEGENDS.pixels() }),
      figure({ title: "Input × each unit's weights", canvas: products, name: "hidden-weighted-inputs", legend: LEGENDS.weighted(), note: "Green pixels raise that unit's total input, magenta pixels lower it. One colour range for all units." }),
      figure({ title: "Total input of each unit (z)", canvas: totals, name: "hidden-total-input", legend: LEGENDS.weighted(), note: "The sum of the unit's map plus its bias: green pushes the unit on, magenta off." }),
      figure({ title: "Output of each unit", canvas: outs, name: "hidden-unit-outputs", legend: LEGENDS.outputs() }),
      figure({ title: "Output layer: probability of each digit", canvas: probs, name: "hidden-probabilities" })));
  const trainer = trainingPanel({
    label: "Train the network",
    request: () => ({ model: "mlp", preset: store.get("preset"), hidden: store.get("hidden"), max_epochs: store.get("epochs") || null, seed: 0 }),
    onWeights: (w, shape) => drawMaps(w, shape[1]),
    onDone: () => loadModel(++seq),
  });

  root.append(
    el("p", { class: "prose", text: "Put a layer of hidden neurons between the pixels and the ten outputs. Each hidden unit has its own 784 weights, so it looks for its own pattern; the output neurons then combine the units' answers. Nobody tells a unit what to look for: the patterns are learned. The course uses 25 logistic units, L2 penalty 0.1, the Adam optimiser, batches of 50 and early stopping." }),
    controls(store, ["preset", "hidden", "epochs"], el("div", { class: "ctl" }, el("label", { for: "hidden-model", text: "model shown" }), picker)),
    trainer.element,
    el("div", { class: "cols" }, mlpResults.element, lrResults.element),
    el("div", { class: "figs" }, mapsFig),
    imageBox,
  );

  // Which network to show: the one trained with the settings above, or any saved or uploaded one.
  async function fillPicker() {
    const nets = (await modelList()).filter((m) => m.kind === "mlp");
    picker.replaceChildren(
      el("option", { value: "", text: "trained with these settings" }),
      ...nets.map((m) => el("option", { value: m.model_key, text: `${m.model_key} (${(100 * m.test_accuracy).toFixed(1)}%)` })),
    );
    picker.value = nets.some((m) => m.model_key === store.get("model")) ? store.get("model") : "";
  }
  picker.addEventListener("change", () => store.set({ model: picker.value }));
  window.addEventListener("neuronlab:models", fillPicker);
  fillPicker();

  testSet().then((t) => {
    test = t;
    setMax(root, "img", t.n - 1);
    drawImage(store.state);
  });
  pickModels().then(async ({ lr }) => lrResults.show(lr ? (await model(lr.model_key)).summary : null));

  function drawMaps(W0, h) {
    mapsFig.hidden = false;
    const cols = columns(h);
    drawGrid(mapsCanvas, h, cols, Math.min(72, Math.floor(560 / cols) - 4), (j, r) => {
      let s = 1e-6;
      for (let p = 0; p < 784; p++) s = Math.max(s, Math.abs(W0[p * h + j]));
      r.paint(W0, RED_BLUE, -s, s, j, h);
    });
  }

  async function loadModel(token) {
    const s = store.state;
    const found = s.model
      ? { model_key: s.model }
      : await findModel({ kind: "mlp", preset: s.preset, hidden: s.hidden, epochs: s.epochs });
    const loaded = found ? await model(found.model_key) : null;
    if (token !== seq) return;
    m = loaded;
    mlpResults.show(m ? m.summary : null);
    imageBox.hidden = !m;
    mapsFig.hidden = !m;
    if (!m) {
      trainer.showCurves(null);
      return;
    }
    trainer.showCurves(m.summary.loss_curve, m.summary.validation_scores);
    drawMaps(m.W0, m.hidden);
    drawImage(s);
  }

  function drawImage(s) {
    if (!test || !m) return;
    const i = Math.min(s.img, test.n - 1);
    const h = m.hidden;
    imageInto(test, i, x);
    drawDigit(image, x, 140);
    const { total, hidden, probs: p } = mlpForward(m, x);
    // One symmetric range for every unit's map, so their strengths compare.
    let range = 1e-6;
    for (let k = 0; k < 784 * h; k++) range = Math.max(range, Math.abs(m.W0[k] * x[(k / h) | 0]));
    const cols = columns(h);
    drawGrid(products, h, cols, Math.min(72, Math.floor(560 / cols) - 4), (j, r) => {
      for (let q = 0; q < 784; q++) weighted[q] = x[q] * m.W0[q * h + j];
      r.paint(weighted, GREEN_MAGENTA, -range, range);
    });
    const zMax = absMax(total, 1);
    barChart(totals, 480, 180, total, h <= 30 ? [...total].map((_, j) => String(j)) : null, {
      range: [-zMax, zMax],
      fill: (j, v) => cssColor(GREEN_MAGENTA, v, -zMax, zMax),
    });
    drawUnitOutputs(outs, hidden);
    const best = argmax(p);
    barChart(probs, 330, 180, p, m.classes.map(String), {
      range: [0, 1],
      highlight: best,
      fill: (j) => (j === best ? "#b2182b" : "#b9c0c8"),
      showValues: (v) => (v >= 0.01 ? v.toFixed(2) : ""),
    });
    verdict.textContent = `Test image #${i} shows a ${test.labels[i]}; the network answers ${m.classes[best]} with probability ${p[best].toFixed(3)}.`;
  }

  function update(s, changed) {
    const settings = ["preset", "hidden", "epochs"].some((k) => changed.has(k));
    if (changed.size > 1 || changed.has("model")) {
      picker.value = s.model;
      loadModel(++seq);
    } else if (settings) {
      // New settings name a new network: show that one rather than a picked model.
      if (s.model) store.set({ model: "" });
      else loadModel(++seq);
    } else if (changed.has("img")) drawImage(s);
  }
  return {
    update,
    unmount() {
      trainer.close();
      window.removeEventListener("neuronlab:models", fillPicker);
    },
  };
}

export default {
  id: 6,
  slug: "hidden",
  title: "A hidden layer",
  lead: "A network with hidden units learns its own features, then classifies with them.",
  fields,
  mount,
};
