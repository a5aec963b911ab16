// Chapter 7: how many hidden units does the network need?
import { decodeFloat32 } from "../api.js";
import { controls } from "../controls.js";
import { lineChart } from "../charts.js";
import { drawGrid, el, figure, LEGENDS, makeCanvas, tableCanvas } from "../draw.js";
import { RED_BLUE } from "../colormaps.js";
import { trainingPanel } from "../training.js";

const fields = [
  { name: "sizes", type: "ints", default: [4, 9, 16, 25, 36, 49, 64, 81, 100], min: 1, max: 400, label: "hidden-layer sizes" },
  { name: "seeds", type: "int", default: 1, min: 1, max: 5, control: "number", label: "random starts per size" },
  { name: "preset", type: "enum", default: "module", options: ["module", "fast"], labels: { module: "the course's settings", fast: "fast defaults" }, label: "settings" },
];
// Finished sweeps of this page visit, by request, so coming back shows them again.
const finished = new Map();

function mount(root, store) {
  const chart = makeCanvas(560, 300, "accuracy against the number of hidden units");
  const chartFig = figure({ title: "Accuracy against hidden-layer size", canvas: chart, name: "sweep-accuracy" });
  const table = el("table", { class: "data" });
  const grids = el("div", { class: "figs" });
  const resultsBox = el("div", { hidden: true }, el("div", { class: "figs" }, chartFig, figure({ title: "Results", canvas: table, name: "sweep-table", render: () => tableCanvas(table) })),
    el("h2", { text: "Weight maps of each size" }), el("p", { class: "prose", text: "The first random start of each size. With few units each map has to serve many digits; with many, units specialise and some look alike." }), grids);
  const request = () => ({ sizes: store.get("sizes"), seeds: store.get("seeds"), preset: store.get("preset") });
  const trainer = trainingPanel({
    label: "Run the sweep",
    url: "/api/sweep",
    curves: false,
    step: "network",
    request,
    onDone: (data) => {
      finished.set(JSON.stringify(request()), data.results);
      show(data.results);
    },
  });

  root.append(
    el("p", { class: "prose", text: "Train the same network with different numbers of hidden units and compare. Too few units cannot hold enough patterns; past some size, extra units add little on the test set while the training accuracy keeps climbing. The networks train in parallel on this computer's processes (or a Dask cluster when the lab was started with one)." }),
    controls(store, ["sizes", "seeds", "preset"]),
    trainer.element,
    resultsBox,
  );

  function show(results) {
    resultsBox.hidden = false;
    const sizes = [...new Set(results.map((r) => r.hidden))].sort((a, b) => a - b);
    const mean = (h, key) => {
      const rs = results.filter((r) => r.hidden === h);
      return rs.reduce((a, r) => a + r[key], 0) / rs.length;
    };
    const train = sizes.map((h) => mean(h, "train_accuracy"));
    const test = sizes.map((h) => mean(h, "test_accuracy"));
    const lo = Math.min(...train, ...test);
    lineChart(chart, 560, 300, [
      { xs: sizes, ys: train, color: "#1f5fa8", label: "training accuracy", dots: true },
      { xs: sizes, ys: test, color: "#b2182b", label: "test accuracy", dots: true },
    ], { xRange: [0, Math.max(...sizes) * 1.05], yRange: [Math.max(0, Math.floor(lo * 20) / 20 - 0.05), 1], xLabel: "hidden units", yLabel: "accuracy" });
    table.replaceChildren(
      el("tr", {}, ...["units", "train", "test", "seconds"].map((t) => el("th", { scope: "col", text: t }))),
      ...sizes.map((h, i) => el("tr", {},
        el("td", { text: String(h) }),
        el("td", { text: `${(100 * train[i]).toFixed(1)}%` }),
        el("td", { text: `${(100 * test[i]).toFixed(1)}%` }),
        el("td", { text: mean(h, "fit_seconds").toFixed(2) }))),
    );
    grids.replaceChildren(...sizes.map((h) => {
      const r = results.find((q) => q.hidden === h);
      const W0 = decodeFloat32(r.coefs0);
      const cols = Math.min(10, Math.ceil(Math.sqrt(h)));
      const canvas = makeCanvas(100, 100, `weight maps of the ${h}-unit network`);
      drawGrid(canvas, h, cols, Math.max(26, Math.min(64, Math.floor(300 / cols) - 4)), (j, raster) => {
        let s = 1e-6;
        for (let p = 0; p < 784; p++) s = Math.max(s, Math.abs(W0[p * h + j]));
        raster.paint(W0, RED_BLUE, -s, s, j, h);
      });
      return figure({ title: `${h} units · test ${(100 * r.test_accuracy).toFixed(1)}%`, canvas, name: `sweep-weights-${h}`, tight: true, legend: LEGENDS.weightsShort() });
    }));
  }

  function update() {
    const done = finished.get(JSON.stringify(request()));
    if (done) show(done);
    else resultsBox.hidden = true;
  }
  return { update, unmount: trainer.close };
}

export default {
  id: 7,
  slug: "sweep",
  title: "How many hidden units?",
  lead: "Train networks of many sizes and see where more units stop helping.",
  fields,
  mount,
};
