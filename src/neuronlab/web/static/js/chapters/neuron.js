// Chapter 1: one artificial neuron with five inputs.
import { absMax, cssColor, GREEN_MAGENTA, GREY, RED_BLUE } from "../colormaps.js";
import { controls } from "../controls.js";
import { lineChart } from "../charts.js";
import { el, figure, LEGENDS, makeCanvas, sizeCanvas } from "../draw.js";
import { exercises } from "../exercises.js";
import { ACTIVATIONS } from "../nn.js";

const WEIGHTS = [2, 4, -2, 0, -4];
const fields = [
  ...[1, 2, 3, 4, 5].map((i) => ({ name: `x${i}`, type: "float", default: 0, min: 0, max: 1, step: 0.01, label: `input x${i}` })),
  ...WEIGHTS.map((w, i) => ({ name: `w${i + 1}`, type: "float", default: w, min: -10, max: 10, step: 0.5, control: "number", label: `weight w${i + 1}` })),
  { name: "bias", type: "float", default: 0, min: -10, max: 10, step: 0.5, control: "number", label: "bias b" },
  {
    name: "act",
    type: "enum",
    default: "sigmoid",
    options: Object.keys(ACTIVATIONS),
    labels: Object.fromEntries(Object.entries(ACTIVATIONS).map(([k, v]) => [k, v.label])),
    label: "activation",
  },
];

function mount(root, store) {
  const cells = makeCanvas(330, 330, "inputs, weights and weighted inputs");
  const curve = makeCanvas(460, 330, "activation curve with the current point");
  const zOut = el("span", { class: "v num" });
  const yOut = el("span", { class: "v num" });
  const ex = exercises("neuron", store);
  root.append(
    el("p", { class: "prose", text: "Most classifiers work in two stages: features that a person chose (stroke counts, moments, colour histograms), then a classifier learned from them. Choosing features is trial and error, so why not learn them too? Because it runs in a circle: good features depend on the classifier that will use them, and the classifier cannot be trained before the features exist. Neural networks learn both at once, and they are built from one simple part, the neuron." }),
    el("p", { class: "prose", text: "A real neuron collects signals from other cells: some connections excite it, others inhibit it, each with its own strength, and it fires or not. The artificial neuron keeps just that. It multiplies each input by its weight (positive: excites, negative: inhibits), adds the products and a bias into one number z, and passes z through an activation function. Move the inputs, edit the weights, and watch where the neuron lands on its curve." }),
    controls(store, ["x1", "x2", "x3", "x4", "x5"]),
    controls(store, ["w1", "w2", "w3", "w4", "w5", "bias", "act"]),
    el("div", { class: "readout" },
      el("div", {}, el("span", { class: "k", text: "z = w·x + b" }), zOut),
      el("div", {}, el("span", { class: "k", text: "output" }), yOut)),
    el("div", { class: "figs share" },
      figure({
        title: "Inputs x, weights w, weighted inputs x·w",
        canvas: cells,
        name: "neuron-inputs-weights",
        legend: el("div", {}, LEGENDS.pixels(), LEGENDS.weights(), LEGENDS.weighted()),
        note: "Inputs in grey (0 black, 1 white). Weighted inputs use a fixed range: the largest total push either way.",
      }),
      figure({ title: "Activation: output against z", canvas: curve, name: "neuron-activation", note: "Black line: the activation over every z these weights can reach. Orange dot: this neuron's z and output now." })),
    ex.element,
  );

  function update(s) {
    const x = [s.x1, s.x2, s.x3, s.x4, s.x5];
    const w = [s.w1, s.w2, s.w3, s.w4, s.w5];
    const f = ACTIVATIONS[s.act].f;
    const z = x.reduce((acc, xi, i) => acc + xi * w[i], s.bias);
    const y = f(z);
    zOut.textContent = z.toFixed(3);
    yOut.textContent = y.toFixed(4);
    ex.check({ output: y, x, w });
    const pos = w.reduce((a, v) => a + Math.max(0, v), 0);
    const neg = w.reduce((a, v) => a + Math.min(0, v), 0);
    drawCells(cells, x, w, Math.max(pos, -neg, 1e-6));
    let [lo, hi] = [neg + s.bias, pos + s.bias];
    if (hi - lo < 1e-6) [lo, hi] = [lo - 1, hi + 1];
    const zs = [];
    const ys = [];
    for (let i = 0; i <= 120; i++) {
      zs.push(lo + ((hi - lo) * i) / 120);
      ys.push(f(zs[i]));
    }
    const yMin = Math.min(...ys);
    const yMax = Math.max(...ys);
    const padY = (yMax - yMin) * 0.06 || 0.5;
    lineChart(curve, 460, 330, [{ xs: zs, ys, color: "#1d232b", label: `${ACTIVATIONS[s.act].label}(z)` }], {
      xRange: [lo, hi],
      yRange: [yMin - padY, yMax + padY],
      xLabel: "z = w·x + b (reachable range)",
      yLabel: "output",
      point: { x: z, y },
    });
  }
  return { update };
}

function drawCells(canvas, x, w, range) {
  const ctx = sizeCanvas(canvas, 330, 330);
  ctx.clearRect(0, 0, 330, 330);
  const wMax = absMax(w, 1);
  const cols = [
    { title: "x", values: x, color: (v) => cssColor(GREY, v, 0, 1), dark: (v) => v < 0.55, text: (v) => v.toFixed(2) },
    { title: "w", values: w, color: (v) => cssColor(RED_BLUE, v, -wMax, wMax), dark: (v) => Math.abs(v) > 0.7 * wMax, text: (v) => v.toFixed(1) },
    { title: "x·w", values: x.map((v, i) => v * w[i]), color: (v) => cssColor(GREEN_MAGENTA, v, -range, range), dark: (v) => Math.abs(v) > 0.7 * range, text: (v) => v.toFixed(2) },
  ];
  ctx.font = "600 13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  cols.forEach((col, c) => {
    const cx = 20 + c * 104;
    ctx.fillStyle = "#1d232b";
    ctx.fillText(col.title, cx + 46, 14);
    col.values.forEach((v, r) => {
      const y = 30 + r * 59;
      ctx.fillStyle = col.color(v);
      ctx.fillRect(cx, y, 92, 55);
      ctx.strokeStyle = "#c9ced4";
      ctx.strokeRect(cx + 0.5, y + 0.5, 91, 54);
      ctx.fillStyle = col.dark(v) ? "#fff" : "#1d232b";
      ctx.font = "12px system-ui, sans-serif";
      ctx.fillText(c === 2 ? `x${r + 1}·w${r + 1}` : `${col.title}${r + 1}`, cx + 46, y + 16);
      ctx.font = "600 15px ui-monospace, Menlo, monospace";
      ctx.fillText(col.text(v), cx + 46, y + 36);
    });
  });
}

export default {
  id: 1,
  slug: "neuron",
  title: "One neuron",
  lead: "The building block: weighted inputs, a sum, and an activation function.",
  fields,
  mount,
};
