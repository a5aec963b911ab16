// A drawing pad (chapters 8 and 6b): white strokes on black, drawn twice, on the visible canvas
// and on a small ink canvas that is read back for the MNIST-style preprocessing.
import { el, Raster } from "./draw.js";
import { GREY } from "./colormaps.js";
import { preprocess } from "./nn.js";

export const INK = 112; // the drawing is read back at this resolution: enough for a 20x20 fit

/**
 * {canvas, clear(), drawImage(x), read(out)}: a `size` px pad with strokes `stroke` px wide.
 * `onStroke(timeStamp)` is called after each pointer event that drew (pointer down, or a batch
 * of moves). `read(out)` preprocesses the drawing into `out` (784) as MNIST was, and says
 * whether there was a drawing to read. `raw`: follow the pointer with raw updates (every
 * hardware event) rather than once a frame.
 */
export function drawingPad({ size, stroke, label, onStroke, raw = true }) {
  const canvas = el("canvas", { class: "drawpad", width: size, height: size, role: "img", "aria-label": label });
  const ink = el("canvas", { width: INK, height: INK });
  const inkCtx = ink.getContext("2d", { willReadFrequently: true });
  const padCtx = canvas.getContext("2d");
  const grey = new Float32Array(INK * INK);
  const both = [[padCtx, size], [inkCtx, INK]];
  let drawn = false;
  let last = null;

  const clear = () => {
    for (const [ctx, n] of both) {
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, n, n);
    }
    drawn = false;
  };
  const line = (a, b) => {
    for (const [ctx, n] of both) {
      const k = n / size;
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = stroke * k;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.beginPath();
      ctx.moveTo(a[0] * k, a[1] * k);
      ctx.lineTo(b[0] * k, b[1] * k);
      ctx.stroke();
    }
    drawn = true;
  };
  // On a narrow screen the pad is drawn smaller than its pixels: measure where the pointer is.
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * size, ((e.clientY - r.top) / r.height) * size];
  };
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    line(last, last);
    onStroke(e.timeStamp || performance.now());
  });
  // Raw updates arrive as soon as the pointer moves; plain moves wait for the next frame.
  const MOVE = raw && "onpointerrawupdate" in window ? "pointerrawupdate" : "pointermove";
  canvas.addEventListener(MOVE, (e) => {
    if (!last) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const c of events.length ? events : [e]) {
      const p = point(c);
      line(last, p);
      last = p;
    }
    onStroke(e.timeStamp || performance.now());
  });
  const up = () => {
    last = null;
  };
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);
  clear();

  return {
    canvas,
    clear,
    /** Put an image (784 values in 0..1) on the pad, as if it had been drawn there. */
    drawImage(x) {
      const r = new Raster().paint(x, GREY, 0, 1);
      clear();
      for (const [ctx, n] of both) {
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(r.canvas, 0, 0, n, n);
      }
      drawn = true;
    },
    /** The drawing, preprocessed as MNIST was, into `out`; false when there is none to read. */
    read(out) {
      if (!drawn) return false;
      const data = inkCtx.getImageData(0, 0, INK, INK).data;
      for (let i = 0; i < INK * INK; i++) grey[i] = data[i * 4] / 255;
      return preprocess(grey, INK, out) !== null;
    },
  };
}
