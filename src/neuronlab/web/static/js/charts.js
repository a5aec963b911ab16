// Small charts drawn on canvas: lines (curves over epochs, shifts, sizes) and bars (outputs).
import { sizeCanvas } from "./draw.js";
import { HIGHLIGHT, OTHER, WINNER } from "./palette.js";

const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/**
 * A line chart. series: [{ys, xs?, color, label, dash?, dots?}], options: {xRange, yRange,
 * xLabel, yLabel, point: {x, y, color}, marker: x, markerColor, integerX}.
 */
export function lineChart(canvas, w, h, series, opt) {
  const ctx = sizeCanvas(canvas, w, h);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  const pad = { l: 48, r: 12, t: 12, b: 38 };
  const [x0, x1] = opt.xRange;
  const [y0, y1] = opt.yRange;
  const X = (x) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (w - pad.l - pad.r);
  const Y = (y) => h - pad.b - ((y - y0) / (y1 - y0 || 1)) * (h - pad.t - pad.b);
  ctx.font = FONT;
  ctx.strokeStyle = "#e3e6ea";
  ctx.fillStyle = "#5b6470";
  ctx.lineWidth = 1;
  const yt = niceTicks(y0, y1, 5);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of yt) {
    ctx.beginPath();
    ctx.moveTo(pad.l, Y(t));
    ctx.lineTo(w - pad.r, Y(t));
    ctx.stroke();
    ctx.fillText(fmtTick(t), pad.l - 6, Y(t));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const xTicks = niceTicks(x0, x1, 6).filter((t) => !opt.integerX || Number.isInteger(t));
  for (const t of xTicks) {
    ctx.beginPath();
    ctx.moveTo(X(t), pad.t);
    ctx.lineTo(X(t), h - pad.b);
    ctx.stroke();
    ctx.fillText(fmtTick(t), X(t), h - pad.b + 4);
  }
  ctx.fillText(opt.xLabel || "", (pad.l + w - pad.r) / 2, h - 16);
  ctx.save();
  ctx.translate(12, (pad.t + h - pad.b) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(opt.yLabel || "", 0, 0);
  ctx.restore();
  ctx.save();
  ctx.beginPath();
  ctx.rect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = s.width || 2;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    s.ys.forEach((y, i) => {
      const x = s.xs ? s.xs[i] : i + 1;
      if (i === 0) ctx.moveTo(X(x), Y(y));
      else ctx.lineTo(X(x), Y(y));
    });
    ctx.stroke();
    if (s.dots) {
      ctx.fillStyle = s.color;
      s.ys.forEach((y, i) => {
        ctx.beginPath();
        ctx.arc(X(s.xs ? s.xs[i] : i + 1), Y(y), 3.5, 0, 2 * Math.PI);
        ctx.fill();
      });
    }
  }
  ctx.setLineDash([]);
  if (opt.marker !== undefined) {
    ctx.strokeStyle = opt.markerColor || HIGHLIGHT;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(X(opt.marker), pad.t);
    ctx.lineTo(X(opt.marker), h - pad.b);
    ctx.stroke();
  }
  if (opt.point) {
    ctx.fillStyle = opt.point.color || WINNER;
    ctx.beginPath();
    ctx.arc(X(opt.point.x), Y(opt.point.y), 7, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
  drawKey(ctx, series.filter((s) => s.label), w - pad.r - 8, pad.t + 6);
}

function drawKey(ctx, series, right, top) {
  ctx.font = FONT;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  const width = Math.max(0, ...series.map((s) => ctx.measureText(s.label).width)) + 30;
  series.forEach((s, i) => {
    const y = top + i * 16;
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(right - width - 4, y - 8, width + 8, 16);
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    ctx.moveTo(right - width, y);
    ctx.lineTo(right - width + 20, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#1d232b";
    ctx.fillText(s.label, right - width + 26, y);
  });
}

function niceTicks(lo, hi, count) {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) || raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toFixed(10));
  return ticks;
}

function fmtTick(t) {
  return Math.abs(t) >= 1000 ? t.toFixed(0) : String(+t.toPrecision(3));
}

const measurer = document.createElement("canvas").getContext("2d");
const SLANT = Math.PI / 4;

/**
 * How bar labels fit under bars `bw` px wide: level when the widest fits, else slanted at 45°,
 * with `extra` px added under the chart for them (so class names never overprint).
 */
export function barLabelLayout(labels, bw) {
  measurer.font = FONT;
  const widest = Math.max(0, ...(labels || []).map((l) => measurer.measureText(String(l)).width));
  if (widest <= bw - 3) return { slant: false, extra: 0, widest };
  return { slant: true, extra: Math.ceil(widest * Math.sin(SLANT) + 12 * Math.cos(SLANT)) - 10, widest };
}

/**
 * Vertical bars: values with labels under them; `fill(i, v)` gives each bar's colour;
 * `highlight` is the index drawn with a dark outline. Labels too wide for their bar are
 * slanted and the canvas grows downwards to hold them.
 */
export function barChart(canvas, w, h, values, labels, opt = {}) {
  const [lo, hi] = opt.range || [0, 1];
  // `yLabel` names the value axis along the left edge (so an exported PNG says what it shows).
  const pad = { l: opt.yLabel ? 50 : 36, r: 6, t: 16, b: 20 };
  const n = values.length;
  const bw = (w - pad.l - pad.r) / n;
  const layout = barLabelLayout(labels, bw);
  const ctx = sizeCanvas(canvas, w, h + layout.extra);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h + layout.extra);
  const Y = (v) => h - pad.b - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (h - pad.t - pad.b);
  ctx.font = FONT;
  ctx.fillStyle = "#f4f5f7";
  ctx.fillRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  ctx.strokeStyle = "#dde1e6";
  ctx.fillStyle = "#5b6470";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of niceTicks(lo, hi, 4)) {
    ctx.beginPath();
    ctx.moveTo(pad.l, Y(t));
    ctx.lineTo(w - pad.r, Y(t));
    ctx.stroke();
    ctx.fillText(fmtTick(t), pad.l - 4, Y(t));
  }
  if (opt.yLabel) {
    ctx.save();
    ctx.translate(10, (pad.t + h - pad.b) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText(opt.yLabel, 0, 0);
    ctx.restore();
  }
  const zero = Y(Math.max(lo, Math.min(hi, 0)));
  ctx.textAlign = "center";
  for (let i = 0; i < n; i++) {
    const x = pad.l + i * bw + bw * 0.15;
    const y = Y(values[i]);
    ctx.fillStyle = opt.fill ? opt.fill(i, values[i]) : OTHER;
    ctx.fillRect(x, Math.min(y, zero), bw * 0.7, Math.max(1, Math.abs(zero - y)));
    ctx.strokeStyle = i === opt.highlight ? "#1d232b" : "#8a929c";
    ctx.lineWidth = i === opt.highlight ? 2 : 0.75;
    ctx.strokeRect(x, Math.min(y, zero), bw * 0.7, Math.max(1, Math.abs(zero - y)));
    ctx.fillStyle = "#1d232b";
    ctx.textBaseline = "top";
    if (labels && layout.slant) {
      // Slanted: the label ends under its bar and runs down to the left.
      ctx.save();
      ctx.translate(x + bw * 0.35 + 4, h - pad.b + 3);
      ctx.rotate(-SLANT);
      ctx.textAlign = "right";
      ctx.fillText(labels[i], 0, 0);
      ctx.restore();
    } else if (labels) ctx.fillText(labels[i], x + bw * 0.35, h - pad.b + 4);
    if (opt.showValues) {
      const text = opt.showValues(values[i]);
      if (ctx.measureText(text).width <= bw - 2) {
        ctx.textBaseline = "bottom";
        ctx.fillText(text, x + bw * 0.35, Math.min(y, zero) - 1);
      } else {
        // Too wide for its bar: written upwards inside the bar's top, so values never overprint.
        ctx.save();
        ctx.translate(x + bw * 0.35, Math.min(y, zero) + 3);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = "right";
        ctx.textBaseline = "middle";
        ctx.fillText(text, 0, 0);
        ctx.restore();
      }
    }
  }
}
