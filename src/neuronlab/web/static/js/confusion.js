// Confusion matrices: a keyboard-usable table of buttons, and the same drawn on a canvas for PNG.
import { cssColor, lutIndex } from "./colormaps.js";
import { el } from "./draw.js";

export const CONFUSION_NOTE =
  "Rows: true digit. Columns: the model's answer. Teal cells are right answers, orange cells mistakes (red and blue are kept for weights); the darker, the larger the share of its row. Click a cell to see those test images.";

/**
 * A confusion matrix as a table of buttons (keyboard-usable); onPick(i, j) is called with the
 * true and predicted class indices. Also returns a `render()` that draws it on a canvas for PNG.
 */
export function confusionTable(matrix, names, onPick) {
  const k = matrix.length;
  const rowMax = matrix.map((r) => Math.max(1, r.reduce((a, b) => a + b, 0)));
  const table = el("table", { class: k === 2 ? "confusion pair" : "confusion" });
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

function confusionCanvas(matrix, names) {
  const k = matrix.length;
  const cell = k === 2 ? 60 : 36;
  const canvas = document.createElement("canvas");
  canvas.width = (k + 1) * cell + 10;
  canvas.height = (k + 1) * cell + 10;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = "13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  matrix.forEach((row, i) => {
    const total = Math.max(1, row.reduce((a, b) => a + b, 0));
    ctx.fillStyle = "#5b6470";
    ctx.fillText(names[i], cell / 2, (i + 1.5) * cell);
    ctx.fillText(names[i], (i + 1.5) * cell, cell / 2);
    row.forEach((count, j) => {
      const share = count / total;
      ctx.fillStyle = i === j ? cssColor(CONF_DIAG, share, 0, 1) : cssColor(CONF_OFF, Math.min(1, share * 5), 0, 1);
      ctx.fillRect((j + 1) * cell, (i + 1) * cell, cell - 1, cell - 1);
      ctx.fillStyle = i === j && share > 0.6 ? "#fff" : "#1d232b";
      ctx.fillText(String(count), (j + 1.5) * cell, (i + 1.5) * cell);
    });
  });
  return canvas;
}
