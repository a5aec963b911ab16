// Figures used by more than one chapter: a digit with a highlighted row, the 784-pixel strip,
// and the five panels that compare two classes with the weights that separate them.
import { absMax, cssColor, GREY, RED_BLUE } from "./colormaps.js";
import { el, figure, LEGENDS, makeCanvas, Raster, sizeCanvas } from "./draw.js";
import { HIGHLIGHT, HIGHLIGHT_TEXT } from "./palette.js";

const raster = new Raster();

/** A 28x28 image (values 0..1) at `size` px, with row `row` outlined (or none when null). */
export function drawDigit(canvas, x, size, row = null) {
  const ctx = sizeCanvas(canvas, size, size);
  raster.paint(x, GREY, 0, 1).drawTo(ctx, 0, 0, size, size);
  if (row !== null) {
    const cell = size / 28;
    ctx.strokeStyle = HIGHLIGHT;
    ctx.lineWidth = 2;
    ctx.strokeRect(1, row * cell, size - 2, cell);
  }
}

/** The image as one row of 784 pixels, `height` px tall, with row `row`'s segment outlined. */
export function drawStrip(canvas, x, width, height, row = null, lut = GREY, lo = 0, hi = 1) {
  const ctx = sizeCanvas(canvas, width, height + 16);
  ctx.clearRect(0, 0, width, height + 16);
  stripRaster.paint(x, lut, lo, hi).drawTo(ctx, 0, 0, width, height);
  const px = width / 784;
  ctx.fillStyle = "#8a929c";
  for (let r = 0; r <= 28; r++) ctx.fillRect(Math.min(width - 1, r * 28 * px), height, 1, r % 7 === 0 ? 6 : 3);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  ctx.fillText("pixel 0", 0, height + 5);
  ctx.textAlign = "right";
  ctx.fillText("783", width, height + 5);
  if (row !== null) {
    ctx.strokeStyle = HIGHLIGHT;
    ctx.lineWidth = 2;
    ctx.strokeRect(row * 28 * px, 1, 28 * px, height - 2);
    ctx.textAlign = "center";
    ctx.fillStyle = HIGHLIGHT_TEXT;
    const label = `row ${row}: pixels ${row * 28}–${row * 28 + 27}`;
    const x = stripLabelX(width, row, ctx.measureText(label).width, ctx.measureText("pixel 0").width, ctx.measureText("783").width);
    ctx.fillText(label, x, height + 4);
  }
}

/**
 * Where the row's label goes under a strip `width` px wide: under the row's segment, but kept
 * clear of the end labels ("pixel 0", "783") of widths `leftW` and `rightW`, so nothing overprints.
 */
export function stripLabelX(width, row, labelW, leftW, rightW) {
  const mid = ((row + 0.5) * 28 * width) / 784;
  const lo = leftW + 8 + labelW / 2;
  const hi = width - rightW - 8 - labelW / 2;
  return Math.min(hi, Math.max(lo, mid));
}
const stripRaster = new Raster(784, 1);

/** Pixel strip figure with a fresh canvas, drawn by `drawStrip`. */
export function stripFigure(title, name, legend) {
  const canvas = makeCanvas(784, 56, title);
  return { canvas, fig: figure({ title, canvas, name, legend, wide: true }) };
}

const PANEL = 170;

/**
 * The five comparison panels: mean of A, mean of B, both overlaid (A in blue, B in orange),
 * their difference B - A, and the learned weights. Returns {element, draw(meanA, meanB, w, names)}.
 */
export function fivePanels(prefix) {
  const canvases = Array.from({ length: 5 }, (_, i) => makeCanvas(PANEL, PANEL, `panel ${i + 1}`));
  const titles = canvases.map(() => el("span"));
  const names = ["mean-a", "mean-b", "overlay", "difference", "weights"];
  const figs = canvases.map((c, i) =>
    figure({
      title: "",
      canvas: c,
      name: `${prefix}-${names[i]}`,
      tight: true,
      legend: [LEGENDS.pixelsShort(), LEGENDS.pixelsShort(), el("p", { class: "note", text: "" }), LEGENDS.weightsShort(), LEGENDS.weightsShort()][i],
    }),
  );
  figs.forEach((f, i) => f.querySelector(".title").replaceWith(titles[i]));
  const overlayNote = figs[2].querySelector(".note");
  const element = el("div", { class: "figs five" }, figs);
  const diff = new Float32Array(784);
  const r = new Float32Array(784);
  const g = new Float32Array(784);
  const b = new Float32Array(784);

  function draw(meanA, meanB, weights, labelA, labelB) {
    titles[0].textContent = `Mean of ${labelA}`;
    titles[1].textContent = `Mean of ${labelB}`;
    titles[2].textContent = "Both means overlaid";
    titles[3].textContent = `Difference: ${labelB} − ${labelA}`;
    titles[4].textContent = "Learned weights";
    // Each class in the colour of the weights that favour it: blue A, orange (red's side) B.
    overlayNote.textContent = `blue: ${labelA} · orange: ${labelB} · white: both`;
    drawDigit(canvases[0], meanA, PANEL);
    drawDigit(canvases[1], meanB, PANEL);
    // Each mean scaled to its own brightest pixel, so a pale "rest" shows as clearly as one
    // class (as neuronlab.analysis.overlay does for the static figures).
    const topA = Math.max(1e-12, ...meanA);
    const topB = Math.max(1e-12, ...meanB);
    for (let i = 0; i < 784; i++) {
      diff[i] = meanB[i] - meanA[i];
      const a = meanA[i] / topA;
      const bb = meanB[i] / topB;
      // B lights orange (OVERLAY_A of the analysis), A sky blue: where both have ink, white.
      r[i] = bb;
      g[i] = Math.min(1, 0.55 * bb + 0.6 * a);
      b[i] = a;
    }
    let ctx = sizeCanvas(canvases[2], PANEL, PANEL);
    raster.paintRGB(r, g, b).drawTo(ctx, 0, 0, PANEL, PANEL);
    const dm = absMax(diff);
    ctx = sizeCanvas(canvases[3], PANEL, PANEL);
    raster.paint(diff, RED_BLUE, -dm, dm).drawTo(ctx, 0, 0, PANEL, PANEL);
    ctx = sizeCanvas(canvases[4], PANEL, PANEL);
    if (weights) {
      const wm = absMax(weights);
      raster.paint(weights, RED_BLUE, -wm, wm).drawTo(ctx, 0, 0, PANEL, PANEL);
    } else {
      ctx.fillStyle = "#f4f5f7";
      ctx.fillRect(0, 0, PANEL, PANEL);
      ctx.fillStyle = "#5b6470";
      ctx.font = "13px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.fillText("train to see", PANEL / 2, PANEL / 2 - 8);
      ctx.fillText("the weights", PANEL / 2, PANEL / 2 + 10);
    }
  }
  return { element, draw };
}

/** Paint a weight map (784 values) into `canvas` at `size`, red-white-blue on ±max|w|. */
export function drawWeights(canvas, w, size) {
  const ctx = sizeCanvas(canvas, size, size);
  const m = absMax(w);
  raster.paint(w, RED_BLUE, -m, m).drawTo(ctx, 0, 0, size, size);
}

/** Each unit's output as a grey square (0 black, 1 white), numbered; null outputs draw as 0. */
export function drawUnitOutputs(canvas, hidden, h = hidden.length, cols = Math.min(h, 20)) {
  const cell = 22;
  const rows = Math.ceil(h / cols);
  const w = cols * (cell + 4);
  const ctx = sizeCanvas(canvas, w, rows * (cell + 16));
  ctx.clearRect(0, 0, w, rows * (cell + 16));
  ctx.font = "10px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let j = 0; j < h; j++) {
    const x = (j % cols) * (cell + 4);
    const y = Math.floor(j / cols) * (cell + 16);
    ctx.fillStyle = cssColor(GREY, hidden ? hidden[j] : 0, 0, 1);
    ctx.fillRect(x, y, cell, cell);
    ctx.strokeStyle = "#9aa1aa";
    ctx.strokeRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
    ctx.fillStyle = "#5b6470";
    ctx.fillText(String(j), x + cell / 2, y + cell + 2);
  }
}
