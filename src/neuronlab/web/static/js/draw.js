// Canvas and DOM helpers shared by every chapter: elements, crisp images from float arrays,
// figure cards with a PNG export button and a labelled colour scale, and grids of maps.
import { cssColor, GREEN_MAGENTA, GREY, lutIndex, RED_BLUE } from "./colormaps.js";

/** Create an element with attributes and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "html") node.innerHTML = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/** A canvas of CSS size w x h whose backing store matches the screen's pixel density. */
export function makeCanvas(w, h, label) {
  const canvas = el("canvas", { role: "img", "aria-label": label });
  sizeCanvas(canvas, w, h);
  return canvas;
}

export function sizeCanvas(canvas, w, h) {
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
  if (canvas.height !== Math.round(h * dpr)) canvas.height = Math.round(h * dpr);
  // Style writes invalidate layout, so only touch them when the size really changes.
  if (canvas.style.width !== `${w}px`) canvas.style.width = `${w}px`;
  if (canvas.style.height !== `${h}px`) canvas.style.height = `${h}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/**
 * An off-screen w x h bitmap with one reused ImageData: paint an array through a colour LUT,
 * then draw it scaled up without smoothing (crisp pixels).
 */
export class Raster {
  constructor(w = 28, h = 28) {
    this.w = w;
    this.h = h;
    this.canvas = document.createElement("canvas");
    this.canvas.width = w;
    this.canvas.height = h;
    this.ctx = this.canvas.getContext("2d");
    this.image = this.ctx.createImageData(w, h);
  }

  /** Paint values[offset + i*stride] for the w*h pixels, mapped from [lo, hi] via `lut`. */
  paint(values, lut, lo, hi, offset = 0, stride = 1) {
    const px = this.image.data;
    const n = this.w * this.h;
    const scale = 255 / (hi - lo);
    for (let i = 0; i < n; i++) {
      let t = (values[offset + i * stride] - lo) * scale;
      t = t <= 0 ? 0 : t >= 255 ? 255 : t | 0;
      const s = t * 4;
      const d = i * 4;
      px[d] = lut[s];
      px[d + 1] = lut[s + 1];
      px[d + 2] = lut[s + 2];
      px[d + 3] = 255;
    }
    this.ctx.putImageData(this.image, 0, 0);
    return this;
  }

  /** Paint an RGB image given as three channel arrays in [0, 1]. */
  paintRGB(r, g, b) {
    const px = this.image.data;
    for (let i = 0; i < this.w * this.h; i++) {
      px[i * 4] = r[i] * 255;
      px[i * 4 + 1] = g[i] * 255;
      px[i * 4 + 2] = b[i] * 255;
      px[i * 4 + 3] = 255;
    }
    this.ctx.putImageData(this.image, 0, 0);
    return this;
  }

  drawTo(ctx, x, y, w, h) {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.canvas, x, y, w, h);
  }
}

/** Download a canvas as a PNG file. */
function downloadPNG(canvas, name) {
  canvas.toBlob((blob) => {
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: `${name}.png` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }, "image/png");
}

/** An SVG drawing as a canvas at twice its size, on a white background. */
export function svgToCanvas(node) {
  const w = Number(node.getAttribute("width")) || node.clientWidth;
  const h = Number(node.getAttribute("height")) || node.clientHeight;
  const xml = new XMLSerializer().serializeToString(node);
  const img = new Image();
  return new Promise((resolve, reject) => {
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = 2 * w;
      canvas.height = 2 * h;
      canvas.cssWidth = w;
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      resolve(canvas);
    };
    img.onerror = reject;
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
  });
}

/**
 * A figure card: title, PNG export button, the canvas, an optional colour legend and note.
 * `render` (optional) gives the canvas to export when it differs from the shown one; `wide`
 * spans the row, `tight` keeps the card as narrow as its picture.
 */
export function figure({ title, canvas, name, legend, note, wide, tight, render }) {
  const button = el("button", {
    class: "export",
    type: "button",
    text: "PNG",
    title: `Download “${title}” as a PNG image`,
    "aria-label": `Download ${title} as PNG`,
    onclick: async (e) => {
      const card = e.currentTarget.closest("figure");
      const shown = render ? render() : canvas;
      const picture = shown instanceof SVGElement ? await svgToCanvas(shown) : shown;
      downloadPNG(composeFigure(card, picture), name);
    },
  });
  return el(
    "figure",
    {
      class: `fig${wide ? " wide" : ""}${tight ? " tight" : ""}`,
      "data-fig": name,
      // A tight card is exactly as wide as its picture plus padding; long titles wrap.
      style: tight ? `width:${Math.max(170, Number.parseFloat(canvas.style.width)) + 26}px` : undefined,
    },
    el("figcaption", {}, el("span", { class: "title", text: title }), button),
    canvas,
    legend || null,
    note ? el("p", { class: "note", text: note }) : null,
  );
}

/** A labelled colour scale. kind: "rwb" (weights), "gm" (input x weight), "grey". */
export function legend(kind, left, right, middle = "0") {
  const mid = el("span", { class: "num", text: middle });
  return el(
    "div",
    { class: "legend" },
    el("span", { text: left }),
    el("span", { class: `bar ${kind}`, role: "img", "aria-label": `colour scale from ${left} to ${right}` }),
    el("span", { text: right }),
    kind === "grey" ? null : mid,
  );
}

/** A small line key for a legend under a chart: a stroke in the line's colour and dash, and its
 * name. (The same as training.js's; here so that chapters a notebook widget mounts can use it.) */
export function lineKey(line) {
  const svg = `<svg width="28" height="10" aria-hidden="true"><line x1="1" y1="5" x2="27" y2="5" stroke="${line.color}" stroke-width="2.5" stroke-dasharray="${(line.dash || []).join(" ")}"/></svg>`;
  return el("span", { class: "key" }, el("span", { html: svg }), line.label);
}

export const LEGENDS = {
  weightsShort: () => legend("rwb", "− blue", "red +", ""),
  pixelsShort: () => legend("grey", "0", "1"),
  weights: () => legend("rwb", "blue: negative", "red: positive (excitatory)", "white = 0"),
  weighted: () => legend("gm", "magenta: pulls down", "green: pushes up", "white = 0"),
  pixels: () => legend("grey", "0 black", "1 white"),
  // Unit outputs on one fixed scale in page, widgets and static figures: 1 and above are white.
  outputs: () => legend("grey", "output 0", "1 or more"),
};

/** A grid of 28x28 maps, `cols` across, each `cell` px with a gap; paint(i, raster) fills one. */
export function drawGrid(canvas, count, cols, cell, paint, labels) {
  const gap = 4;
  const lab = labels ? 14 : 0;
  const rows = Math.ceil(count / cols);
  const w = cols * (cell + gap) - gap;
  const h = rows * (cell + gap + lab) - gap;
  const ctx = sizeCanvas(canvas, w, h);
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.fillStyle = "#5b6470";
  const raster = gridRaster;
  for (let i = 0; i < count; i++) {
    const x = (i % cols) * (cell + gap);
    const y = Math.floor(i / cols) * (cell + gap + lab);
    paint(i, raster);
    raster.drawTo(ctx, x, y, cell, cell);
    if (labels) ctx.fillText(fitText(ctx, labels[i], cell + gap - 2), x + cell / 2, y + cell + 1);
  }
  return ctx;
}

/**
 * `text` cut to `width` px in the context's font, ending in "…" when it had to be cut. An array
 * gives a longer and shorter wording: the first that fits is used ("Bag vs rest", then "Bag").
 */
export function fitText(ctx, text, width) {
  if (Array.isArray(text)) {
    const fits = text.find((t) => ctx.measureText(String(t)).width <= width);
    return fits !== undefined ? String(fits) : fitText(ctx, String(text[text.length - 1]), width);
  }
  text = String(text);
  if (ctx.measureText(text).width <= width) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n)}…`).width > width) n--;
  return `${text.slice(0, n)}…`;
}
const gridRaster = new Raster();

/** A small grey thumbnail canvas (28x28 device pixels, scaled by CSS) of a test image. */
export function thumbnail(test, index, label) {
  const canvas = el("canvas", { width: 28, height: 28, "aria-hidden": "true" });
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  const base = index * 784;
  for (let p = 0; p < 784; p++) {
    const v = test.images[base + p];
    const s = lutIndex(v, 0, 255) * 4;
    img.data.set([GREY[s], GREY[s + 1], GREY[s + 2], 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
  canvas.dataset.label = label ?? "";
  return canvas;
}

/** Draw an HTML table (header and body cells) on a canvas, for PNG export. */
export function tableCanvas(table) {
  const rows = [...table.querySelectorAll("tr")].map((tr) => [...tr.children].map((c) => c.textContent));
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  ctx.font = "14px system-ui, sans-serif";
  const cols = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, j) => 24 + Math.max(...rows.map((r) => ctx.measureText(r[j] || "").width)));
  const w = widths.reduce((a, b) => a + b, 0);
  const h = rows.length * 26 + 8;
  // Drawn at twice its size, so the exported PNG's text is sharp.
  canvas.width = 2 * w;
  canvas.height = 2 * h;
  canvas.cssWidth = w;
  ctx.scale(2, 2);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  ctx.font = "14px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  rows.forEach((row, i) => {
    let x = 12;
    row.forEach((text, j) => {
      ctx.fillStyle = j === 0 || i === 0 ? "#5b6470" : "#1d232b";
      ctx.fillText(text, x, 17 + i * 26);
      x += widths[j];
    });
  });
  return canvas;
}

// ---- PNG export: the whole figure card, as a slide needs it ----------------------------------

const EXPORT_SCALE = 2;
const INK = "#1d232b";
const MUTED = "#5b6470";
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const BARS = { rwb: RED_BLUE, gm: GREEN_MAGENTA, grey: GREY };

/** Lines of `text` no wider than `width` in the context's current font. */
function wrap(ctx, text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** A block of wrapped text: {height, draw(ctx, x, y)}. */
function textBlock(ctx, text, font, colour, width, lineHeight) {
  ctx.font = font;
  const lines = wrap(ctx, text, width);
  return {
    height: lines.length * lineHeight,
    draw(c, x, y) {
      c.font = font;
      c.fillStyle = colour;
      c.textBaseline = "top";
      c.textAlign = "left";
      lines.forEach((l, i) => c.fillText(l, x, y + i * lineHeight));
    },
  };
}

/**
 * One row of a legend drawn like the page shows it: its words, colour bars (from the same
 * colour tables as the pictures) and line keys (stroke, dash and name), wrapping as needed.
 */
function legendRow(ctx, legend, width) {
  const font = `12px ${FONT}`;
  ctx.font = font;
  const items = [];
  for (const part of legend.children) {
    if (part.classList.contains("bar")) {
      const kind = ["rwb", "gm", "grey"].find((k) => part.classList.contains(k));
      items.push({ w: 110, bar: BARS[kind] || GREY });
    } else if (part.classList.contains("key")) {
      const line = part.querySelector("line");
      const label = part.textContent.trim();
      items.push({
        w: 32 + ctx.measureText(label).width,
        key: { color: line?.getAttribute("stroke") || INK, dash: (line?.getAttribute("stroke-dasharray") || "").split(/[ ,]+/).filter(Boolean).map(Number), label },
      });
    } else if (part.textContent.trim()) {
      const text = part.textContent.trim();
      items.push({ w: ctx.measureText(text).width, text });
    }
  }
  // Lay the items out left to right, starting a new line when one would not fit.
  const gap = 8;
  const rowH = 18;
  let x = 0;
  let y = 0;
  const placed = items.map((it) => {
    if (x > 0 && x + it.w > width) {
      x = 0;
      y += rowH;
    }
    const at = { ...it, x, y };
    x += it.w + gap;
    return at;
  });
  return {
    height: items.length ? y + rowH : 0,
    draw(c, x0, y0) {
      c.font = font;
      c.textBaseline = "middle";
      c.textAlign = "left";
      for (const it of placed) {
        const cy = y0 + it.y + rowH / 2;
        if (it.bar) {
          for (let i = 0; i < it.w; i++) {
            c.fillStyle = cssColor(it.bar, i / (it.w - 1), 0, 1);
            c.fillRect(x0 + it.x + i, cy - 5, 1.2, 10);
          }
          c.strokeStyle = "#c9ced4";
          c.lineWidth = 1;
          c.strokeRect(x0 + it.x, cy - 5, it.w, 10);
        } else if (it.key) {
          c.strokeStyle = it.key.color;
          c.lineWidth = 2.5;
          c.setLineDash(it.key.dash);
          c.beginPath();
          c.moveTo(x0 + it.x, cy);
          c.lineTo(x0 + it.x + 26, cy);
          c.stroke();
          c.setLineDash([]);
          c.fillStyle = MUTED;
          c.fillText(it.key.label, x0 + it.x + 32, cy);
        } else {
          c.fillStyle = MUTED;
          c.fillText(it.text, x0 + it.x, cy);
        }
      }
    },
  };
}

/** The CSS size a picture is drawn at on the page (or was made for). */
function pictureSize(picture) {
  const w = Number.parseFloat(picture.style?.width) || picture.cssWidth || picture.width;
  const h = Number.parseFloat(picture.style?.height) || (picture.height * w) / picture.width;
  return { w, h };
}

/**
 * The figure card `card` as one opaque PNG-ready canvas at twice its size: the title, the
 * picture, its legend or colour bar (drawn, not screenshotted) and its note, on white.
 */
export function composeFigure(card, picture) {
  const scratch = document.createElement("canvas").getContext("2d");
  const size = pictureSize(picture);
  // Whole CSS pixels, so the white ground covers every pixel of the 2x image.
  const width = Math.ceil(Math.max(size.w, 300));
  const pad = 16;
  const caption = card?.querySelector("figcaption");
  const title = caption ? [...caption.childNodes].filter((n) => !(n instanceof HTMLButtonElement)).map((n) => n.textContent).join(" ").trim() : "";
  const blocks = [];
  if (title) blocks.push(textBlock(scratch, title, `600 15px ${FONT}`, INK, width, 20));
  blocks.push({ height: size.h, draw: (c, x, y) => {
    const ratio = picture.width / size.w;
    // A picture drawn at 1x on this screen is doubled pixel for pixel, so maps stay crisp.
    c.imageSmoothingEnabled = ratio < EXPORT_SCALE && Number.isInteger(EXPORT_SCALE / ratio) ? false : true;
    c.drawImage(picture, x, y, size.w, size.h);
  } });
  for (const part of card ? card.children : []) {
    if (part.tagName === "FIGCAPTION" || part === picture || part.tagName === "CANVAS" || part.tagName === "TABLE" || part.matches?.("svg, .netdiagram")) continue;
    if (part.classList?.contains("note")) {
      if (part.textContent.trim()) blocks.push(textBlock(scratch, part.textContent.trim(), `12px ${FONT}`, MUTED, width, 16));
      continue;
    }
    const legends = part.classList?.contains("legend") ? [part] : [...(part.querySelectorAll?.(".legend") || [])];
    for (const legend of legends) blocks.push(legendRow(scratch, legend, width));
    // Words under a picture that are not a legend (a model's answer, say) come along as text.
    if (legends.length === 0 && part.textContent?.trim() && !part.querySelector?.("button")) {
      blocks.push(textBlock(scratch, part.textContent.trim(), `12px ${FONT}`, MUTED, width, 16));
    }
  }
  const gap = 8;
  const height = Math.ceil(pad * 2 + blocks.reduce((sum, b) => sum + b.height, 0) + gap * (blocks.length - 1));
  const out = document.createElement("canvas");
  out.width = (width + 2 * pad) * EXPORT_SCALE;
  out.height = height * EXPORT_SCALE;
  const ctx = out.getContext("2d");
  ctx.scale(EXPORT_SCALE, EXPORT_SCALE);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width + 2 * pad, height);
  let y = pad;
  for (const b of blocks) {
    b.draw(ctx, pad, y);
    y += b.height + gap;
  }
  return out;
}
