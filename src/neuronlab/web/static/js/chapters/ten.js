// Chapter 4: ten neurons, each "this digit or not"; the loudest one wins.
import { controls, setMax } from "../controls.js";
import { imageInto, means, model, testSet } from "../data.js";
import { barChart } from "../charts.js";
import { drawGrid, el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { absMax, RED_BLUE } from "../colormaps.js";
import { argmax, logisticOutputs } from "../nn.js";
import { drawDigit, fivePanels } from "../panels.js";
import { findModel, resultsPanel, trainingPanel } from "../training.js";

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const fields = [
  { name: "digit", type: "int", default: 3, min: 0, max: 9, options: DIGITS, label: "digit vs the rest" },
  { name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" },
];
const WANT = { kind: "logistic", classes: null, multi_class: "ovr" };

function mount(root, store) {
  let seq = 0;
  let m = null;
  let test = null;
  const x = new Float32Array(784);
  const outputs = new Float32Array(10);
  const grid = makeCanvas(860, 100, "the ten weight maps");
  const panels = fivePanels("ten");
  const image = makeCanvas(168, 168, "the chosen test image");
  const bars = makeCanvas(420, 200, "the ten neurons' outputs");
  const verdict = el("p", { class: "status", role: "status" });
  const results = resultsPanel("Confusion matrix on the test digits");
  const trainer = trainingPanel({
    step: "iteration",
    label: "Train ten one-vs-rest neurons",
    request: () => ({ model: "logistic", preset: "module", multi_class: "ovr", classes: null, seed: 0 }),
    onDone: () => loadModel(++seq),
  });
  const gridFig = figure({ title: "Weights of the ten neurons", canvas: grid, name: "ten-weight-maps", legend: LEGENDS.weights(), wide: true, note: "Each map is scaled to its own largest weight." });
  gridFig.hidden = true;

  root.append(
    el("p", { class: "prose", text: "To recognise all ten digits, train ten neurons. Neuron d learns “digit d against all the others” exactly like the pair in chapter 3. To classify an image, ask all ten and pick the one with the largest output: the loudest neuron wins." }),
    trainer.element,
    results.element,
    gridFig,
    el("h2", { text: "One digit against the rest" }),
    controls(store, ["digit"]),
    panels.element,
    el("h2", { text: "Ask all ten neurons about one test image" }),
    controls(store, ["img"]),
    el("div", { class: "figs" },
      figure({ title: "Test image", canvas: image, name: "ten-image", legend: LEGENDS.pixels() }),
      figure({ title: "Output of each neuron", canvas: bars, name: "ten-outputs", note: "The highest bar (outlined) is the answer. Bars use the grey scale of outputs: 0 black, 1 white." })),
    verdict,
  );

  testSet().then((t) => {
    test = t;
    setMax(root, "img", t.n - 1);
    drawImage(store.state);
  });

  async function loadModel(token) {
    const found = await findModel(WANT);
    const loaded = found ? await model(found.model_key) : null;
    if (token !== seq) return;
    m = loaded;
    gridFig.hidden = !m;
    results.show(m ? m.summary : null);
    trainer.showCurves(m ? m.summary.loss_curve : null, []);
    if (m) {
      drawGrid(grid, 10, 10, 80, (i, r) => {
        const w = m.coef.subarray(i * 784, (i + 1) * 784);
        const s = absMax(w);
        r.paint(w, RED_BLUE, -s, s);
      }, DIGITS.map((d) => `${d} vs rest`));
    }
    drawPanels(store.state);
    drawImage(store.state);
  }

  async function drawPanels(s) {
    const token = seq;
    const [meanA, meanB] = await means(s.digit, null);
    if (token !== seq) return;
    const w = m ? m.coef.subarray(s.digit * 784, (s.digit + 1) * 784) : null;
    panels.draw(meanB, meanA, w, "the rest", `${s.digit}`);
  }

  function drawImage(s) {
    if (!test) return;
    const i = Math.min(s.img, test.n - 1);
    imageInto(test, i, x);
    drawDigit(image, x, 168);
    if (m) logisticOutputs(m, x, outputs);
    else outputs.fill(0);
    const best = argmax(outputs);
    barChart(bars, 420, 200, outputs, DIGITS.map(String), {
      range: [0, 1],
      highlight: m ? best : -1,
      fill: (j, v) => `rgb(${40 + 180 * v | 0},${40 + 180 * v | 0},${40 + 180 * v | 0})`,
      showValues: (v) => (m ? v.toFixed(2) : ""),
    });
    verdict.textContent = m
      ? `Test image #${i} shows a ${test.labels[i]}. The loudest neuron is ${best} (output ${outputs[best].toFixed(3)}): ${best === test.labels[i] ? "correct" : "wrong"}.`
      : `Test image #${i} shows a ${test.labels[i]}. Train the ten neurons to see their outputs.`;
  }

  function update(s, changed) {
    if (changed.size > 1) {
      loadModel(++seq);
      return;
    }
    if (changed.has("digit")) drawPanels(s);
    if (changed.has("img")) drawImage(s);
  }
  return { update, unmount: trainer.close };
}

export default {
  id: 4,
  slug: "ten",
  title: "Ten digits, one vs rest",
  lead: "Ten neurons, each shouting for its own digit; the loudest one wins.",
  fields,
  mount,
};
