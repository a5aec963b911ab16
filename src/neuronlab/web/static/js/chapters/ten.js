// Chapter 4: ten neurons, each "this digit or not"; the loudest one wins.
import { controls, formatSetting, setMax } from "../controls.js";
import { imageInto, means, model, testSet } from "../data.js";
import { barChart } from "../charts.js";
import { drawGrid, el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { absMax, RED_BLUE } from "../colormaps.js";
import { argmax, logisticOutputs, logisticProba } from "../nn.js";
import { drawDigit, fivePanels } from "../panels.js";
import { C_FIELD } from "../knobs.js";
import { networkDiagram } from "../netdiagram.js";
import { OTHER, WINNER } from "../palette.js";
import { findModel, resultsPanel, stillWanted, trainingPanel } from "../training.js";
import { conclude } from "../conclusions.js";
import { exercises, narrative } from "../exercises.js";
import { aClass, className, classLabels, classNames, noun, phrase } from "../words.js";

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const fields = [
  { name: "digit", type: "int", default: 3, min: 0, max: 9, options: DIGITS, get labels() { return classLabels(); }, get label() { return `${noun()} vs the rest`; } },
  { name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" },
  C_FIELD,
  { name: "mc", type: "enum", default: "ovr", options: ["ovr", "multinomial"], labels: { ovr: "one vs rest (ten separate neurons)", multinomial: "multinomial (softmax over ten)" }, label: "how the ten are trained" },
];

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
  const results = resultsPanel(phrase("Confusion matrix on the test {items}"));
  const trainer = trainingPanel({
    step: "iteration",
    label: "Train the ten neurons",
    request: () => ({ model: "logistic", preset: "module", multi_class: store.get("mc"), C: store.get("C"), classes: null, seed: 0 }),
    onDone: (done) => {
      const now = stillWanted(done, { C: store.get("C"), multi_class: store.get("mc") });
      return loadModel(++seq, !now, now ? done.model_key : null);
    },
  });
  const facts = el("p", { class: "status facts", role: "status" });
  const conclusion = el("p", { class: "prose conclusion" });
  const ex = exercises("ten", store);
  const diagram = networkDiagram({
    names: classNames(),
    title: "logistic regression as a network: 784 pixels, each connected to ten output neurons",
    onPick: (kind, c) => store.set({ digit: c }),
  });
  const gridFig = figure({ title: "Weights of the ten neurons", canvas: grid, name: "ten-weight-maps", legend: LEGENDS.weights(), wide: true, note: "Each map is scaled to its own largest weight." });
  gridFig.hidden = true;

  root.append(
    narrative("ten"),
    el("p", { class: "prose", text: phrase("To recognise all ten {nouns}, train ten neurons. Neuron d learns “{noun} d against all the others” exactly like the pair in chapter 3. To classify an image, ask all ten and pick the one with the largest output: the loudest neuron wins. Multinomial training instead fits the ten together, so that their outputs (through a softmax) add up to 1.") }),
    figure({ title: "Logistic regression as a network", canvas: diagram.element, name: "ten-network", note: `Every pixel feeds every output neuron through its own weight: 784 × 10 weights and no hidden layer. Click a neuron to compare its ${noun()} with the rest below; its grey fill is its output for the test image further down.` }),
    controls(store, ["C", "mc"]),
    trainer.element,
    facts,
    results.element,
    gridFig,
    el("h2", { text: phrase("One {noun} against the rest") }),
    controls(store, ["digit"]),
    panels.element,
    conclusion,
    el("h2", { text: "Ask all ten neurons about one test image" }),
    controls(store, ["img"]),
    el("div", { class: "figs" },
      figure({ title: "Test image", canvas: image, name: "ten-image", legend: LEGENDS.pixels() }),
      figure({ title: "Output of each neuron", canvas: bars, name: "ten-outputs", note: "One-vs-rest: each bar is one neuron's own output σ(w·x + b). Multinomial: the softmax of the ten, which adds up to 1. The highest bar (orange, outlined) is the answer." })),
    verdict,
    ex.element,
  );

  testSet().then((t) => {
    test = t;
    setMax(root, "img", t.n - 1);
    drawImage(store.state);
  });

  const want = () => ({ kind: "logistic", classes: null, settings: { C: store.get("C"), multi_class: store.get("mc") } });

  /** Show the model of the current settings; with `keep`, leave the old one up when there is none. */
  async function loadModel(token, keep = false, key = null) {
    const s = store.state;
    const found = key ? { model_key: key } : await findModel(want());
    const loaded = found ? await model(found.model_key) : null;
    if (token !== seq) return null;
    if (!loaded && keep) return false;
    m = loaded;
    const sm = m?.summary;
    facts.textContent = m
      ? `C = ${formatSetting(sm.settings?.C ?? s.C)}, ${sm.multi_class === "multinomial" ? "multinomial" : "one vs rest"}: training accuracy ${pct(sm.train_accuracy)}, test accuracy ${pct(sm.test_accuracy)}.`
      : "";
    gridFig.hidden = !m;
    results.show(m ? m.summary : null);
    trainer.showCurves(m ? m.summary.loss_curve : null, []);
    if (m) {
      drawGrid(grid, 10, 10, 80, (i, r) => {
        const w = m.coef.subarray(i * 784, (i + 1) * 784);
        const s = absMax(w);
        r.paint(w, RED_BLUE, -s, s);
      }, DIGITS.map((d) => [sm.multi_class === "multinomial" ? `for ${className(d)}` : `${className(d)} vs rest`, className(d)]));
    }
    drawPanels(store.state);
    drawImage(store.state);
    return true;
  }

  async function drawPanels(s) {
    const token = seq;
    const [meanA, meanB] = await means(s.digit, null);
    if (token !== seq) return;
    const w = m ? m.coef.subarray(s.digit * 784, (s.digit + 1) * 784) : null;
    panels.draw(meanB, meanA, w, "the rest", className(s.digit));
    const sm = m?.summary;
    const n_test = sm ? sm.confusion.flat().reduce((p, q) => p + q, 0) : null;
    conclusion.textContent = sm
      ? conclude.ten({ digit: className(s.digit), test_accuracy: sm.test_accuracy, n_test, weights: w, meanDigit: meanA, meanRest: meanB })
      : "";
    ex.check({ digit: s.digit, test_accuracy: sm?.test_accuracy ?? null, n_test, multi_class: sm?.multi_class ?? s.mc });
  }

  function drawImage(s) {
    if (!test) return;
    const i = Math.min(s.img, test.n - 1);
    imageInto(test, i, x);
    drawDigit(image, x, 168);
    // One-vs-rest: each neuron's own sigmoid; multinomial: the softmax that couples the ten.
    if (m && m.summary.multi_class === "multinomial") outputs.set(logisticProba(m, x));
    else if (m) logisticOutputs(m, x, outputs);
    else outputs.fill(0);
    const best = argmax(outputs);
    diagram.update({ outputs: m ? outputs : null, open: s.digit });
    barChart(bars, 420, 200, outputs, classNames(), {
      range: [0, 1],
      yLabel: "neuron output",
      highlight: m ? best : -1,
      fill: (j) => (m && j === best ? WINNER : OTHER),
      showValues: (v) => (m ? v.toFixed(2) : ""),
    });
    verdict.textContent = m
      ? `Test image #${i} shows ${aClass(test.labels[i])}. The loudest neuron is ${className(best)} (output ${outputs[best].toFixed(3)}): ${best === test.labels[i] ? "correct" : "wrong"}.`
      : `Test image #${i} shows ${aClass(test.labels[i])}. Train the ten neurons to see their outputs.`;
  }

  function update(s, changed) {
    if (changed.size > 1) {
      loadModel(++seq);
      return;
    }
    if (changed.has("C") || changed.has("mc")) {
      // With a model on screen, a new setting retrains at once; the old maps stay until then.
      if (!m) {
        loadModel(++seq);
        return;
      }
      loadModel(++seq, true);
      // Decided apart from the redraw token (see chapter 3): train what the knobs name now.
      findModel(want()).then((found) => {
        if (!found && store.get("C") === s.C && store.get("mc") === s.mc) trainer.run();
      });
      return;
    }
    if (changed.has("digit")) {
      drawPanels(s);
      diagram.update({ outputs: m ? outputs : null, open: s.digit });
    }
    if (changed.has("img")) drawImage(s);
  }
  return { update, unmount: trainer.close };
}

const pct = (v) => (v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)}%`);

export default {
  id: 4,
  slug: "ten",
  get title() {
    return phrase("Ten {nouns}, one vs rest");
  },
  get lead() {
    return phrase("Ten neurons, each shouting for its own {noun}; the loudest one wins.");
  },
  fields,
  mount,
};
