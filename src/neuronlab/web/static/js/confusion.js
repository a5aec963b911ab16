// Confusion matrices: a keyboard-usable table of buttons, and the same drawn on a canvas for PNG.
import { cssColor, lutIndex } from "./colormaps.js";
import { el } from "./draw.js";

export const CONFUSION_NOTE =
  "Rows: the true class. Columns: the model's answer. Teal cells are right answers, orange cells mistakes (red and blue are kept for weights); the darker, the larger the share of its row. Click a cell to see those test images.";

/**
 * A confusion matrix as a table of buttons (keyboard-usable); onPick(i, j) is called with the
 * true and predicted class indices. Also returns a `render()` that draws it on a canvas for PNG.
 */
export function confusionTable(matrix, names, onPick) {
  const k = matrix.length;
  const rowMax = matrix.map((r) => Math.max(1, r.reduce((a, b) => a + b, 0)));
  // Class names longer than a digit stand upright over their columns, so ten still fit.
  const named = names.some((n) => n.length > 2);
  const table = el("table", { class: `confusion${k === 2 ? " pair" : ""}${named ? " named" : ""}` });
  table.append(el("tr", {}, el("th", { text: "" }), ...names.map((n) => el("th", { scope: "col", text: n }))));
  matrix.forEach((row, i) => {
    const tr = el("tr", {}, el("th", { scope: "row", text: names[i] }));
    row.forEach((count, j) => {
      const share = count / rowMax[i];
      const color = i === j ? cssColor(CONF_DIAG, share, 0, 1) : cssColor(CONF_OFF, Math.min(1, share * 5), 0, 1);
      const b = el("button", {
        type: "button",
        text: String(count),
        style: `background:${color};color:${lutIndex(share, 0, 1) > 150 && i === j ? "#fff" : "#1d232b"}`,
        "aria-label": `true ${names[i]}, predicted ${names[j]}: ${count} images`,
        onclick: () => onPick(i, j),
      });
      tr.append(el("td", {}, b));
    });
    table.append(tr);
  });
  const render = () => confusionCanvas(matrix, names);
  return { table, render };
}

const CONF_DIAG = (() => {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    // White to dark teal (palette.js RIGHT).
    lut.set([245 - 245 * t, 247 - 135 * t, 250 - 160 * t, 255], i * 4);
  }
  return lut;
})();
const CONF_OFF = (() => {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    // White to orange (palette.js WRONG).
    lut.set([250 - 20 * t, 247 - 127 * t, 245 - 245 * t, 255], i * 4);
  }
  return lut;
})();

/** The matrix drawn at twice its size (for a crisp PNG), with axis names and class labels. */
function confusionCanvas(matrix, names) {
  const k = matrix.length;
  const cell = k === 2 ? 60 : 36;
  const scale = 2;
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  ctx.font = "13px system-ui, sans-serif";
  // Room for the row labels on the left and the column labels (upright when long) on top.
  const label = Math.ceil(Math.max(cell, ...names.map((n) => ctx.measureText(n).width + 12)));
  const upright = names.some((n) => n.length > 2);
  const left = 22 + label;
  const top = 22 + (upright ? label : 24);
  const w = left + k * cell + 10;
  const h = top + k * cell + 10;
  canvas.width = w * scale;
  canvas.height = h * scale;
  canvas.cssWidth = w;
  ctx.scale(scale, scale);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  ctx.font = "13px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.fillStyle = "#1d232b";
  ctx.textAlign = "center";
  ctx.fillText("the model's answer", left + (k * cell) / 2, 10);
  ctx.save();
  ctx.translate(10, top + (k * cell) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText("true class", 0, 0);
  ctx.restore();
  matrix.forEach((row, i) => {
    const total = Math.max(1, row.reduce((a, b) => a + b, 0));
    ctx.fillStyle = "#5b6470";
    ctx.textAlign = "right";
    ctx.fillText(names[i], left - 6, top + (i + 0.5) * cell);
    ctx.save();
    ctx.translate(left + (i + 0.5) * cell, top - 6);
    if (upright) {
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "left";
    } else {
      ctx.textAlign = "center";
      ctx.translate(0, -6);
    }
    ctx.fillText(names[i], 0, 0);
    ctx.restore();
    ctx.textAlign = "center";
    row.forEach((count, j) => {
      const share = count / total;
      ctx.fillStyle = i === j ? cssColor(CONF_DIAG, share, 0, 1) : cssColor(CONF_OFF, Math.min(1, share * 5), 0, 1);
      ctx.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
      ctx.fillStyle = i === j && share > 0.6 ? "#fff" : "#1d232b";
      ctx.fillText(String(count), left + (j + 0.5) * cell, top + (i + 0.5) * cell);
    });
  });
  return canvas;
}
