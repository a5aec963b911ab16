// Widget: a network training in the kernel: progress, cancel, live curves and weight maps.
import { lineChart } from "../charts.js";
import { el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { drawUnitMaps } from "../hiddenview.js";
import { SPLITS } from "../palette.js";
import { typed } from "./data.js";

export default ({ model, el: root }) => {
  const bar = el("progress", { max: 1, value: 0, "aria-label": "training progress" });
  const status = el("span", { class: "status", role: "status" });
  const cancel = el("button", { type: "button", class: "secondary", text: "Cancel", onclick: () => model.send({ cancel: true }) });
  const loss = makeCanvas(330, 190, "loss per epoch");
  const val = makeCanvas(330, 190, "validation accuracy per epoch");
  const maps = makeCanvas(400, 400, "hidden units' weight maps");
  const valFig = figure({ title: "Validation accuracy", canvas: val, name: "validation-curve" });
  root.append(
    el("div", { class: "progress" }, cancel, bar, status),
    el("div", { class: "figs" },
      figure({ title: "Training loss", canvas: loss, name: "loss-curve" }),
      valFig,
      figure({ title: "Weights of each hidden unit", canvas: maps, name: "train-weight-maps", legend: LEGENDS.weights(), note: "Each map is scaled to its own largest weight. They update while the network trains." })),
  );

  function draw() {
    const epochs = model.get("progress");
    const last = epochs[epochs.length - 1];
    bar.max = model.get("max_epochs");
    // Early stopping ends before the epoch limit: a finished run fills the bar.
    bar.value = model.get("state") === "running" ? (last?.epoch ?? 0) : bar.max;
    status.textContent = model.get("message");
    cancel.disabled = model.get("state") !== "running";
    const w = model.get("snapshot");
    if (w && w.byteLength) drawUnitMaps(maps, typed(w), model.get("hidden"));
    if (!last) return;
    const n = Math.max(2, epochs.length);
    const losses = epochs.map((p) => p.loss);
    lineChart(loss, 330, 190, [{ ys: losses, color: SPLITS.loss.color }], {
      xRange: [1, n], yRange: [0, Math.max(1e-6, ...losses) * 1.05], xLabel: "epoch", yLabel: "loss", integerX: true,
    });
    const scores = epochs.map((p) => p.validation_score).filter((v) => v !== null && v !== undefined);
    valFig.hidden = scores.length === 0;
    if (scores.length) {
      lineChart(val, 330, 190, [{ ys: scores, color: SPLITS.validation.color, dash: SPLITS.validation.dash }], {
        xRange: [1, n], yRange: [Math.min(0.8, ...scores), 1], xLabel: "epoch", yLabel: "accuracy", integerX: true,
      });
    }
  }
  const events = ["progress", "snapshot", "state", "message"].map((t) => `change:${t}`);
  for (const e of events) model.on(e, draw);
  draw();
  return { unmount: () => events.forEach((e) => model.off(e, draw)) };
};
