// The convolutional network drawn: its filters (red/blue, like every weight in the lab), and one
// image's feature maps after the filters (green/magenta, like every input × weight) and after
// ReLU and pooling, then the output probabilities. Chapter 10 and the notebook's CNN widget
// draw with it.
import { barChart } from "./charts.js";
import { absMax, GREEN_MAGENTA, RED_BLUE } from "./colormaps.js";
import { el, figure, legend, LEGENDS, makeCanvas, Raster, sizeCanvas } from "./draw.js";
import { argmax, cnnForward } from "./nn.js";
import { OTHER, WINNER } from "./palette.js";
import { drawDigit } from "./panels.js";

const rasters = new Map();
/** One reused off-screen bitmap per map size (filters k x k, maps c x c, pooled s x s). */
function raster(w, h) {
  const key = `${w}x${h}`;
  if (!rasters.has(key)) rasters.set(key, new Raster(w, h));
  return rasters.get(key);
}

/** Columns for n maps: two rows up to 8 (bigger maps), then 8 across. */
const columnsFor = (n) => (n <= 3 ? n : n <= 8 ? Math.ceil(n / 2) : 8);

/** The geometry of a grid of n maps, cells of `cell` px, numbered below. */
export function mapGrid(n, cell) {
  const cols = columnsFor(n);
  return { cols, cell, gap: 6, label: 14, w: cols * (cell + 6) - 6, h: Math.ceil(n / cols) * (cell + 20) - 6 };
}

/**
 * Draw `n` maps of w x h values into `canvas`: `paint(i)` gives [values, lut, lo, hi, offset]
 * for map i. Numbered 0..n-1 as the filters are everywhere in the chapter.
 */
function drawMaps(canvas, n, w, h, cell, paint) {
  const g = mapGrid(n, cell);
  const ctx = sizeCanvas(canvas, g.w, g.h);
  ctx.clearRect(0, 0, g.w, g.h);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.fillStyle = "#5b6470";
  const r = raster(w, h);
  for (let i = 0; i < n; i++) {
    const x = (i % g.cols) * (cell + g.gap);
    const y = Math.floor(i / g.cols) * (cell + g.gap + g.label);
    const [values, lut, lo, hi, offset = 0] = paint(i);
    r.paint(values, lut, lo, hi, offset).drawTo(ctx, x, y, cell, cell);
    ctx.strokeStyle = "#d5d9de";
    ctx.strokeRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
    ctx.fillText(String(i), x + cell / 2, y + cell + 2);
  }
  return ctx;
}

/** Cell size for n maps in about `width` px: larger cells when there are few maps. */
const cellFor = (n, width, most) => Math.max(28, Math.min(most, Math.floor(width / columnsFor(n)) - 6));

/**
 * Each filter's k x k weights, red (positive) to blue (negative), each on its own scale so that
 * a faint filter still shows its pattern.
 */
export function drawFilters(canvas, m, width = 520) {
  const kk = m.k * m.k;
  drawMaps(canvas, m.F, m.k, m.k, cellFor(m.F, width, 64), (f) => {
    const s = absMax(m.filters.subarray(f * kk, (f + 1) * kk));
    return [m.filters, RED_BLUE, -s, s, f * kk];
  });
}

/**
 * One image through the CNN: the input, each filter's map (its weighted sum plus bias at every
 * position, before ReLU), what the dense layer reads (after ReLU and pooling), and the output
 * probabilities. Returns {element, draw(m, x)}; draw gives {best, probs, forward}.
 */
export function cnnImageView({ prefix = "cnn" } = {}) {
  const image = makeCanvas(140, 140, "the image the network reads");
  const convMaps = makeCanvas(520, 160, "each filter's map: its weighted sum at every position");
  const pooledMaps = makeCanvas(520, 120, "the maps after ReLU and pooling");
  const probs = makeCanvas(330, 180, "output probabilities");
  const convNote = el("p", { class: "note" });
  const pooledNote = el("p", { class: "note" });
  const element = el("div", { class: "figs" },
    figure({ title: "Input", canvas: image, name: `${prefix}-input`, legend: LEGENDS.pixels() }),
    figure({ title: "After the filters: one map per filter", canvas: convMaps, name: `${prefix}-feature-maps`, legend: el("div", {}, LEGENDS.weighted(), convNote) }),
    figure({ title: "After ReLU and pooling: what the output layer reads", canvas: pooledMaps, name: `${prefix}-pooled-maps`, legend: el("div", {}, legend("gm", "nothing below 0 after ReLU", "green: the pattern is there", "white = 0"), pooledNote) }),
    figure({ title: "Output layer: probability of each class", canvas: probs, name: `${prefix}-probabilities`, note: "The highest bar (orange, outlined) is the network's answer." }));

  function draw(m, x) {
    drawDigit(image, x, 140);
    const forward = cnnForward(m, x);
    const { conv, pooled, probs: p } = forward;
    const c = m.conv;
    const s = m.side;
    // One symmetric range for every map, so the filters' answers compare.
    const range = absMax(conv, 1e-6);
    drawMaps(convMaps, m.F, c, c, cellFor(m.F, 440, 96), (f) => [conv, GREEN_MAGENTA, -range, range, f * c * c]);
    const top = absMax(pooled, 1e-6);
    drawMaps(pooledMaps, m.F, s, s, cellFor(m.F, 440, m.pool ? 72 : 96), (f) => [pooled, GREEN_MAGENTA, -top, top, f * s * s]);
    convNote.textContent = `Each map is ${c} × ${c}: the filter's ${m.k} × ${m.k} weights times the pixels under them, plus its bias, at each of the ${c * c} positions it slides over. Green: the pattern is there; magenta: the opposite. One colour range for all maps.`;
    pooledNote.textContent = m.pool
      ? `ReLU sets the magenta (negative) values to 0, then pooling keeps the largest of every 2 × 2 block: ${m.F} maps of ${s} × ${s}, ${m.F * s * s} numbers for the output layer. A stroke moved by a pixel often lands in the same block.`
      : `ReLU sets the magenta (negative) values to 0; without pooling the output layer reads all ${m.F} maps of ${s} × ${s}, ${m.F * s * s} numbers.`;
    const best = argmax(p);
    barChart(probs, 330, 180, p, m.classes.map(String), {
      range: [0, 1],
      highlight: best,
      fill: (j) => (j === best ? WINNER : OTHER),
      showValues: (v) => (v >= 0.01 ? v.toFixed(2) : ""),
    });
    return { best, probs: p, forward };
  }
  return { element, draw };
}
