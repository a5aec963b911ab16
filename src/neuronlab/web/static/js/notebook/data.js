// The notebook's stand-in for ../data.js: the same functions, answered from the widget's
// synced traits (binary buffers from the kernel) instead of the lab's HTTP API.
export { imageInto } from "../data.js";
import { cnnModel } from "../nn.js";

let widget = null;
const cache = new Map();

/** Serve this view's data from `model` (the anywidget model). */
export function connect(model) {
  widget = model;
}

/** A typed copy of a bytes trait (DataView in the browser; copied so alignment never matters). */
export function typed(view, Typed = Float32Array) {
  return new Typed(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function once(key, load) {
  if (!cache.has(key)) cache.set(key, load());
  return cache.get(key);
}

export const datasetInfo = async () => widget.get("dataset");

/** The kernel sends no presets: a widget's models are named without their differences. */
export const presets = async () => null;

/** The test split sent by the kernel: uint8 images (n*784), labels, the indices of each class. */
export const testSet = async () =>
  once("test", () => {
    const images = typed(widget.get("test_images"), Uint8Array);
    const labels = typed(widget.get("test_labels"), Uint8Array);
    const byClass = Array.from({ length: 10 }, () => []);
    for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
    return { images, labels, n: labels.length, byClass };
  });

/** Model `key` (its position in the widget's models) in the shape ../data.js gives. */
export const model = async (key) => once(`model:${key}`, () => decodeModel(widget.get("models")[Number(key)], String(key)));

export const modelList = async () =>
  widget.get("models").map((m, i) => ({ model_key: String(i), kind: m.kind, classes: m.classes }));

/** Accuracy on shifted test digits, computed by the kernel when the widget was built. */
export const shiftCurve = async (keys, axis, wrap) => {
  const curves = widget.get("shift_curves");
  const key = `${axis}:${wrap ? 1 : 0}`;
  return {
    shifts: widget.get("shifts"),
    curves: Object.fromEntries(keys.map((k) => [k, curves[k][key]])),
    n_images: widget.get("test_labels").byteLength,
  };
};

/** Turn one kernel payload into the model object the lab's views draw. */
function decodeModel(m, key = "0") {
  const summary = { model_key: key, kind: m.kind, classes: m.classes, multi_class: m.multi_class };
  const base = { summary, kind: m.kind, classes: m.classes };
  if (m.kind === "cnn") {
    const dense = m.dense.map((d) => ({ W: typed(d.W), b: typed(d.b), nin: d.nin, nout: d.nout }));
    return cnnModel(base, typed(m.filters), m.F, m.k, typed(m.fbias), dense);
  }
  if (m.kind === "logistic") {
    const coef = typed(m.coef);
    return { ...base, coef, k: coef.length / 784, intercept: typed(m.intercept) };
  }
  const W0 = typed(m.W0);
  const b0 = typed(m.b0);
  return { ...base, W0, b0, W1: typed(m.W1), b1: typed(m.b1), hidden: b0.length, activation: m.activation };
}
