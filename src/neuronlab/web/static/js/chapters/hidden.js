// Chapter 6: a hidden layer of neurons, each learning its own feature of the digits.
import { controls, setMax } from "../controls.js";
import { imageInto, model, modelList, testSet } from "../data.js";
import { el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { drawUnitMaps, hiddenImageView } from "../hiddenview.js";
import { findModel, pickModels, resultsPanel, trainingPanel } from "../training.js";

const fields = [
  { name: "preset", type: "enum", default: "module", options: ["module", "fast"], labels: { module: "the course's settings", fast: "fast defaults" }, label: "settings" },
  { name: "hidden", type: "int", default: 25, min: 1, max: 400, control: "number", label: "hidden units" },
  { name: "epochs", type: "int", default: 0, min: 0, max: 500, control: "number", label: "max epochs (0: preset's)" },
  { name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" },
  { name: "model", type: "str", default: "", label: "model shown" },
];

function mount(root, store) {
  let seq = 0;
  let m = null;
  const picker = el("select", { id: "hidden-model" });
  let test = null;
  const x = new Float32Array(784);
  const mapsCanvas = makeCanvas(400, 400, "hidden units' weight maps");
  const mapsFig = figure({ title: "Weights of each hidden unit", canvas: mapsCanvas, name: "hidden-weight-maps", legend: LEGENDS.weights(), note: "Each map is scaled to its own largest weight. They update while the network trains." });
  mapsFig.hidden = true;
  const mlpResults = resultsPanel("Confusion matrix", "Hidden-layer network");
  const lrResults = resultsPanel("Confusion matrix", "Logistic regression, for comparison (chapter 4)");
  const path = hiddenImageView();
  const verdict = el("p", { class: "status", role: "status" });
  const imageBox = el("div", { hidden: true },
    el("h2", { text: "Follow one test image through the network" }),
    controls(store, ["img"]),
    verdict,
    path.element);
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
    drawUnitMaps(mapsCanvas, W0, h);
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
    imageInto(test, i, x);
    const { best, probs: p } = path.draw(m, x);
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
