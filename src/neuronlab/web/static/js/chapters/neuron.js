// Chapter 1: one artificial neuron with five inputs.
import { absMax, cssColor, GREEN_MAGENTA, GREY, RED_BLUE } from "../colormaps.js";
import { controls } from "../controls.js";
import { lineChart } from "../charts.js";
import { el, figure, LEGENDS, makeCanvas, sizeCanvas } from "../draw.js";
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

const EXERCISES = [
  ["Move one input at a time. How does the output respond to an input with a red (positive) weight, and to one with a blue (negative) weight?",
    "Raising an input with a red weight raises z and so the output; raising an input with a blue weight lowers them. Red inputs excite the neuron, blue inputs inhibit it."],
  ["What does the input with the white (zero) weight do?",
    "Nothing: x4 is multiplied by 0, so its slider never changes z or the output. The neuron ignores it."],
  ["Compare inputs with small weights (pale colours) to inputs with large weights (strong colours).",
    "A large weight makes the same move of the slider change z much more. x2 (weight 4) matters twice as much as x1 (weight 2)."],
  ["From these observations, what kind of input does this neuron 'like'?",
    "It likes x1 and x2 bright and x3 and x5 dark, and it does not care about x4. It is a detector for that pattern."],
  ["Which inputs make the output highest?",
    "x1 = x2 = 1 and x3 = x5 = 0, with any x4: then z = 2 + 4 = 6 (plus the bias), the largest z this neuron can reach; the sigmoid gives about 0.998."],
  ["Which inputs make the output lowest?",
    "x1 = x2 = 0 and x3 = x5 = 1, with any x4: z = −2 − 4 = −6 and the sigmoid gives about 0.002."],
  ["Which inputs make the output exactly 0.5?",
    "Any inputs where z = 0 (with bias 0), because σ(0) = 0.5: the excitation 2·x1 + 4·x2 must equal the inhibition 2·x3 + 4·x5. For example all inputs 0, or x1 = x3 = 1, or x2 = x5 = 1, or x1 = x2 = x3 = x5 = 1. There are infinitely many."],
];

function mount(root, store) {
  const cells = makeCanvas(330, 330, "inputs, weights and weighted inputs");
  const curve = makeCanvas(460, 330, "activation curve with the current point");
  const zOut = el("span", { class: "v num" });
  const yOut = el("span", { class: "v num" });
  root.append(
    el("p", { class: "prose", text: "A neuron multiplies each input by its weight, adds the products and a bias into one number z, and passes z through an activation function. Move the inputs, edit the weights, and watch where the neuron lands on its curve." }),
    controls(store, ["x1", "x2", "x3", "x4", "x5"]),
    controls(store, ["w1", "w2", "w3", "w4", "w5", "bias", "act"]),
    el("div", { class: "readout" },
      el("div", {}, el("span", { class: "k", text: "z = w·x + b" }), zOut),
      el("div", {}, el("span", { class: "k", text: "output" }), yOut)),
    el("div", { class: "figs" },
      figure({
        title: "Inputs x, weights w, weighted inputs x·w",
        canvas: cells,
        name: "neuron-inputs-weights",
        legend: el("div", {}, LEGENDS.pixels(), LEGENDS.weights(), LEGENDS.weighted()),
        note: "Inputs in grey (0 black, 1 white). Weighted inputs use a fixed range: the largest total push either way.",
      }),
      figure({ title: "Activation: output against z", canvas: curve, name: "neuron-activation" })),
    el("h2", { text: "Exercises" }),
    el("p", { class: "prose", text: "Use the default weights [2, 4, −2, 0, −4], bias 0 and the sigmoid. Try each question on the sliders before you open the answer." }),
    ...EXERCISES.map(([q, a], i) =>
      el("details", { class: "exercise" }, el("summary", { text: `${i + 1}. ${q}` }), el("p", { text: a }))),
  );

  function update(s) {
    const x = [s.x1, s.x2, s.x3, s.x4, s.x5];
    const w = [s.w1, s.w2, s.w3, s.w4, s.w5];
    const f = ACTIVATIONS[s.act].f;
    const z = x.reduce((acc, xi, i) => acc + xi * w[i], s.bias);
    const y = f(z);
    zOut.textContent = z.toFixed(3);
    yOut.textContent = y.toFixed(4);
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
