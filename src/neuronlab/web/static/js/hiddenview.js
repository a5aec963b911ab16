// One image's path through a hidden layer, and the units' weight maps: drawn by chapter 6 and by
// the notebook's hidden-units and weights widgets.
import { barChart } from "./charts.js";
import { absMax, cssColor, GREEN_MAGENTA, RED_BLUE } from "./colormaps.js";
import { drawGrid, el, figure, LEGENDS, makeCanvas } from "./draw.js";
import { argmax, mlpForward } from "./nn.js";
import { HIGHLIGHT, OTHER, WINNER } from "./palette.js";
import { drawDigit, drawUnitOutputs } from "./panels.js";
import { className, noun } from "./words.js";

/** Columns for a grid of n maps: square-ish, at most 10 across. */
export const columns = (n) => Math.min(10, Math.ceil(Math.sqrt(n)));

/** The geometry of a grid of h unit maps: the same layout for every per-unit view. */
export function unitGrid(h) {
  const cols = columns(h);
  const cell = Math.min(72, Math.floor(560 / cols) - 4);
  return { cols, cell, gap: 4, label: 14 };
}

const unitLabels = (h) => Array.from({ length: h }, (_, j) => String(j));

/**
 * Each hidden unit's 784 weights as a map (W0 is (784, h) row-major), each on its own scale,
 * numbered as everywhere in the lab; `open` is outlined, `cursor` (keyboard focus) dashed.
 */
export function drawUnitMaps(canvas, W0, h, { open = -1, cursor = -1 } = {}) {
  const g = unitGrid(h);
  const ctx = drawGrid(canvas, h, g.cols, g.cell, (j, r) => {
    let s = 1e-6;
    for (let p = 0; p < 784; p++) s = Math.max(s, Math.abs(W0[p * h + j]));
    r.paint(W0, RED_BLUE, -s, s, j, h);
  }, unitLabels(h));
  outlineUnit(ctx, g, open, []);
  if (cursor !== open) outlineUnit(ctx, g, cursor, [4, 3]);
}

function outlineUnit(ctx, g, j, dash) {
  if (j < 0) return;
  const x = (j % g.cols) * (g.cell + g.gap);
  const y = Math.floor(j / g.cols) * (g.cell + g.gap + g.label);
  ctx.save();
  ctx.strokeStyle = HIGHLIGHT;
  ctx.lineWidth = 3;
  ctx.setLineDash(dash);
  ctx.strokeRect(x + 1.5, y + 1.5, g.cell - 3, g.cell - 3);
  ctx.restore();
}

/** The unit under a click at CSS pixel (px, py) of a unit grid of h maps, or -1. */
export function unitAt(h, px, py) {
  const g = unitGrid(h);
  const col = Math.floor(px / (g.cell + g.gap));
  const row = Math.floor(py / (g.cell + g.gap + g.label));
  const j = row * g.cols + col;
  return col < g.cols && j >= 0 && j < h ? j : -1;
}

/**
 * The input, input × each unit's weights, each unit's total input and output, and the class
 * probabilities. Returns {element, draw(m, x)}; draw gives {best, probs}.
 */
export function hiddenImageView() {
  const image = makeCanvas(140, 140, "the chosen test image");
  const products = makeCanvas(400, 400, "input times each unit's weights");
  const totals = makeCanvas(480, 180, "each unit's total input");
  const outs = makeCanvas(400, 120, "each unit's output");
  const probs = makeCanvas(330, 180, "output probabilities");
  const weighted = new Float32Array(784);
  const element = el("div", { class: "figs" },
    figure({ title: "Input", canvas: image, name: "hidden-input", legend: LEGENDS.pixels() }),
    figure({ title: "Input × each unit's weights", canvas: products, name: "hidden-weighted-inputs", legend: LEGENDS.weighted(), note: "Green pixels raise that unit's total input, magenta pixels lower it. One colour range for all units." }),
    figure({ title: "Total input of each unit (z)", canvas: totals, name: "hidden-total-input", legend: LEGENDS.weighted(), note: "The sum of the unit's map plus its bias: green pushes the unit on, magenta off." }),
    figure({ title: "Output of each unit", canvas: outs, name: "hidden-unit-outputs", legend: LEGENDS.outputs(), note: "Laid out and numbered like the weight maps." }),
    figure({ title: `Output layer: probability of each ${noun()}`, canvas: probs, name: "hidden-probabilities", note: "The highest bar (orange, outlined) is the network's answer." }));

  function draw(m, x) {
    const h = m.hidden;
    drawDigit(image, x, 140);
    const { total, hidden, probs: p } = mlpForward(m, x);
    // One symmetric range for every unit's map, so their strengths compare.
    let range = 1e-6;
    for (let k = 0; k < 784 * h; k++) range = Math.max(range, Math.abs(m.W0[k] * x[(k / h) | 0]));
    const g = unitGrid(h);
    drawGrid(products, h, g.cols, g.cell, (j, r) => {
      for (let q = 0; q < 784; q++) weighted[q] = x[q] * m.W0[q * h + j];
      r.paint(weighted, GREEN_MAGENTA, -range, range);
    }, unitLabels(h));
    const zMax = absMax(total, 1);
    // Unit numbers under the bars: all of them while they fit, else every fifth.
    const every = h <= 30 ? 1 : 5;
    barChart(totals, 480, 180, total, [...total].map((_, j) => (j % every === 0 ? String(j) : "")), {
      range: [-zMax, zMax],
      fill: (j, v) => cssColor(GREEN_MAGENTA, v, -zMax, zMax),
    });
    drawUnitOutputs(outs, hidden, h, g.cols);
    const best = argmax(p);
    barChart(probs, 330, 180, p, m.classes.map(className), {
      range: [0, 1],
      yLabel: "probability",
      highlight: best,
      fill: (j) => (j === best ? WINNER : OTHER),
      showValues: (v) => (v >= 0.01 ? v.toFixed(2) : ""),
    });
    return { best, probs: p };
  }
  return { element, draw };
}
