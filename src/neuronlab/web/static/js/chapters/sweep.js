// Chapter 7: how many hidden units does the network need, and when does it start to memorise?
import { decodeFloat32 } from "../api.js";
import { controls } from "../controls.js";
import { lineChart } from "../charts.js";
import { drawGrid, el, figure, LEGENDS, lineKey, makeCanvas, tableCanvas } from "../draw.js";
import { RED_BLUE } from "../colormaps.js";
import { bySize, conclude, pct } from "../conclusions.js";
import { exercises } from "../exercises.js";
import { MLP_FIELDS, mlpSettings, presetPatch } from "../knobs.js";
import { MODELS, SPLITS } from "../palette.js";
import { pickModels, trainingPanel } from "../training.js";
import { phrase } from "../words.js";

// Every MLP knob of chapter 6 but the number of units, which the sweep varies.
const KNOBS = MLP_FIELDS.filter((f) => f.name !== "hidden");
const fields = [
  { name: "sizes", type: "ints", default: [4, 9, 16, 25, 36, 49, 64, 81, 100], min: 1, max: 400, label: "hidden-layer sizes" },
  { name: "seeds", type: "int", default: 1, min: 1, max: 5, control: "number", label: "random starts per size" },
  { name: "preset", type: "enum", default: "module", options: ["module", "fast"], labels: { module: "the course's settings", fast: "fast defaults" }, label: "settings" },
  ...KNOBS,
];
// Few images, no penalty, no early stopping: capacity with nothing to stop it memorising.
const OVERFIT = { preset: "module", alpha: 0, es: false, ntrain: 500, epochs: 200 };
const RANGE = { color: "#8a929c", dash: [], label: "lowest to highest test accuracy over the random starts", width: 3 };
// Finished sweeps of this page visit, by request, so coming back shows them again.
const finished = new Map();

/** The POST /api/sweep body for the state: sizes, seeds, preset and every MLP knob but hidden. */
function sweepBody(s) {
  const { hidden, ...settings } = mlpSettings(s);
  return { sizes: s.sizes, seeds: s.seeds, preset: s.preset, ...settings };
}

function mount(root, store) {
  let lr = null; // logistic regression's test accuracy, when chapter 4's model exists
  let live = [];
  let running = false;
  const chart = makeCanvas(560, 300, "accuracy against the number of hidden units");
  const key = el("div", { class: "legend lines" });
  const chartFig = figure({ title: "Accuracy against hidden-layer size", canvas: chart, name: "sweep-accuracy", legend: key, note: "Dots: the mean over the random starts of each size. Each network's point appears as soon as it has trained." });
  const conclusion = el("p", { class: "conclusion", "aria-live": "polite" });
  const table = el("table", { class: "data" });
  const grids = el("div", { class: "figs" });
  const resultsBox = el("div", { hidden: true },
    el("div", { class: "figs" }, chartFig, figure({ title: "Results", canvas: table, name: "sweep-table", render: () => tableCanvas(table) })),
    conclusion,
    el("h2", { text: "Weight maps of each size" }),
    el("p", { class: "prose", text: phrase("The first random start of each size. With few units each map has to serve many {nouns}; with many, units specialise and some look alike.") }),
    grids);
  const ex = exercises("sweep", store);
  const trainer = trainingPanel({
    label: "Run the sweep",
    url: "/api/sweep",
    curves: false,
    step: "network",
    // Called once as each run starts: the plot starts empty and fills network by network.
    request: () => {
      live = [];
      running = true;
      return sweepBody(store.state);
    },
    onResult: (r) => {
      live.push(r);
      show(live);
    },
    onDone: () => {
      // The weights came once, in each network's result event: keep those.
      running = false;
      live = [...live].sort((p, q) => p.hidden - q.hidden || p.seed - q.seed);
      finished.set(JSON.stringify(sweepBody(store.state)), live);
      show(live);
    },
  });
  const preset = async (name) => store.set(await presetPatch(name).catch(() => ({ preset: name })));
  const overfit = () => {
    store.set(OVERFIT);
    trainer.run();
  };

  root.append(
    el("p", { class: "prose", text: "The number of hidden units is ours to choose. Each unit is one more learned feature for the output layer to combine, so more units can tell more styles apart; but each also brings 784 more weights, and a network with more capacity than its data needs can memorise its training images instead of learning what they have in common. That is overfitting: high accuracy on the images it trained on, lower on new ones." }),
    el("p", { class: "prose", text: "Train the same network at several sizes and compare the training accuracy with the test accuracy. The networks train in parallel on this computer's processes (or a Dask cluster when the lab was started with one)." }),
    controls(store, ["sizes", "seeds", "preset"]),
    controls(store, KNOBS.map((f) => f.name)),
    el("div", { class: "row-actions" },
      el("button", { type: "button", class: "secondary", text: "Course settings", onclick: () => preset("module") }),
      el("button", { type: "button", class: "secondary", text: "Fast settings", onclick: () => preset("fast") }),
      el("button", { type: "button", text: "Make it overfit", title: "500 training images, alpha 0, no early stopping, then run", onclick: overfit })),
    el("p", { class: "note", text: "Make it overfit: trains every size on the first 500 training images, with no weight penalty (alpha 0) and no early stopping, then reads the gap off the plot." }),
    trainer.element,
    resultsBox,
    ex.element,
  );

  pickModels().then(({ lr: found }) => {
    lr = found ? found.test_accuracy : null;
    if (live.length) show(live);
    else ex.check({ lr_test_accuracy: lr });
  });

  function show(results) {
    resultsBox.hidden = false;
    const rows = bySize(results);
    const sizes = rows.map((r) => r.hidden);
    const all = rows.flatMap((r) => [r.train, r.lo, r.hi]).concat(lr ?? []);
    const lo = Math.min(...all);
    const xMax = Math.max(...sizes) * 1.05 + 1;
    const series = [
      { xs: sizes, ys: rows.map((r) => r.train), ...SPLITS.train, dots: true },
      { xs: sizes, ys: rows.map((r) => r.test), ...SPLITS.test, dots: true },
      ...rows.filter((r) => r.runs > 1).map((r) => ({ xs: [r.hidden, r.hidden], ys: [r.lo, r.hi], ...RANGE })),
    ];
    if (lr !== null) series.push({ xs: [0, xMax], ys: [lr, lr], ...MODELS.logistic, width: 1.5 });
    // The key sits under the plot, so it never hides a point.
    for (const s of series) delete s.label;
    lineChart(chart, 560, 300, series, { xRange: [0, xMax], yRange: [Math.max(0, Math.floor(lo * 20) / 20 - 0.05), 1], xLabel: "hidden units", yLabel: "accuracy" });
    key.replaceChildren(
      lineKey({ ...SPLITS.train, label: "training accuracy" }),
      lineKey({ ...SPLITS.test, label: "test accuracy" }),
      rows.some((r) => r.runs > 1) ? lineKey(RANGE) : "",
      lr !== null ? lineKey({ ...MODELS.logistic, label: `logistic regression, test (${pct(lr)})` }) : "",
    );
    const seeds = rows.some((r) => r.runs > 1);
    table.replaceChildren(
      el("tr", {}, ...["units", "train", "test", ...(seeds ? ["test range"] : []), "seconds"].map((t) => el("th", { scope: "col", text: t }))),
      ...rows.map((r) => el("tr", {},
        el("td", { text: String(r.hidden) }),
        el("td", { text: pct(r.train) }),
        el("td", { text: pct(r.test) }),
        seeds ? el("td", { text: `${pct(r.lo)}–${pct(r.hi)}` }) : null,
        el("td", { text: (results.filter((q) => q.hidden === r.hidden).reduce((a, q) => a + q.fit_seconds, 0) / r.runs).toFixed(2) }))),
    );
    conclusion.textContent = conclude.sweep({ results, lr_test_accuracy: lr });
    ex.check({ results, lr_test_accuracy: lr });
    grids.replaceChildren(...sizes.map((h) => {
      const r = results.filter((q) => q.hidden === h).sort((p, q) => p.seed - q.seed)[0];
      const W0 = decodeFloat32(r.coefs0);
      const cols = Math.min(10, Math.ceil(Math.sqrt(h)));
      const canvas = makeCanvas(100, 100, `weight maps of the ${h}-unit network`);
      drawGrid(canvas, h, cols, Math.max(26, Math.min(64, Math.floor(300 / cols) - 4)), (j, raster) => {
        let m = 1e-6;
        for (let p = 0; p < 784; p++) m = Math.max(m, Math.abs(W0[p * h + j]));
        raster.paint(W0, RED_BLUE, -m, m, j, h);
      });
      return figure({ title: `${h} units · test ${pct(r.test_accuracy)}`, canvas, name: `sweep-weights-${h}`, tight: true, legend: LEGENDS.weightsShort() });
    }));
  }

  function update() {
    const done = finished.get(JSON.stringify(sweepBody(store.state)));
    if (done) {
      live = done;
      show(done);
    } else if (!running) {
      // Other settings name another sweep: the plot of the last one would not match them.
      live = [];
      resultsBox.hidden = true;
    }
  }
  return { update, unmount: trainer.close };
}

export default {
  id: 7,
  slug: "sweep",
  title: "How many hidden units?",
  lead: "Train networks of many sizes: see where more units stop helping, and when the network starts to memorise.",
  fields,
  mount,
};
