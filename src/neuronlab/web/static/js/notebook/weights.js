// Widget: a model's weight maps, the ten logistic neurons' or the hidden units' (chapters 4, 6).
import { absMax, RED_BLUE } from "../colormaps.js";
import { drawGrid, el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { drawUnitMaps } from "../hiddenview.js";
import { connect, model as loadModel } from "./data.js";

export default async ({ model, el: root }) => {
  connect(model);
  const m = await loadModel(0);
  const canvas = makeCanvas(860, 100, "weight maps");
  const mlp = m.kind === "mlp";
  root.append(
    el("div", { class: "figs" },
      figure({
        title: mlp ? "Weights of each hidden unit" : "Weights of each neuron",
        canvas,
        name: "weight-maps",
        legend: LEGENDS.weights(),
        wide: true,
        note: "Each map is scaled to its own largest weight.",
      })),
  );
  if (mlp) {
    drawUnitMaps(canvas, m.W0, m.hidden);
    return {};
  }
  const labels = m.k === 1 ? [`${m.classes[1]} vs ${m.classes[0]}`] : m.classes.map((c) => `${c} vs rest`);
  drawGrid(canvas, m.k, Math.min(m.k, 10), 80, (i, r) => {
    const w = m.coef.subarray(i * 784, (i + 1) * 784);
    const s = absMax(w);
    r.paint(w, RED_BLUE, -s, s);
  }, labels);
  return {};
};
