// Everything the page loads from the server, fetched once as binary and kept for reuse.
import { getArray, getJSON, postJSON } from "./api.js";
import { cnnModel, denseLayers } from "./nn.js";

const cache = new Map();

function once(key, load) {
  if (!cache.has(key)) {
    cache.set(
      key,
      load().catch((err) => {
        cache.delete(key);
        throw err;
      }),
    );
  }
  return cache.get(key);
}

/** Forget what was loaded for a model (after it was retrained or uploaded). */
export function forgetModel(key) {
  for (const k of [...cache.keys()]) if (k.startsWith(`model:${key}`)) cache.delete(k);
}

export const datasetInfo = () => once("dataset", () => getJSON("/api/dataset"));

/** Every preset's settings by kind (GET /api/presets), e.g. to name a model by what differs. */
export const presets = () => once("presets", () => getJSON("/api/presets"));

/** The test split: uint8 images (n*784), labels, and the indices of each class. */
export const testSet = () =>
  once("test", async () => {
    const [images, labels] = await Promise.all([
      getArray("/api/images?split=test"),
      getArray("/api/labels?split=test"),
    ]);
    const n = labels.data.length;
    const byClass = Array.from({ length: 10 }, () => []);
    for (let i = 0; i < n; i++) byClass[labels.data[i]].push(i);
    return { images: images.data, labels: labels.data, n, byClass };
  });

/** Test image `i` scaled to [0, 1], written into `out` (a Float32Array of 784). */
export function imageInto(test, i, out) {
  const base = i * 784;
  for (let p = 0; p < 784; p++) out[p] = test.images[base + p] / 255;
  return out;
}

/** Mean images of class a and of b (or of the rest when b is null): two Float32Array(784). */
export const means = (a, b = null) =>
  once(`means:${a}:${b}`, async () => {
    const query = b === null ? `a=${a}` : `a=${a}&b=${b}`;
    const { data } = await getArray(`/api/means?${query}`);
    return [data.subarray(0, 784), data.subarray(784, 1568)];
  });

export const modelList = () => getJSON("/api/models");

/**
 * A trained model with its arrays: {summary, kind, classes, coef, intercept} for logistic
 * regression, {summary, kind, classes, W0, b0, W1, b1, hidden} for the MLP, and for the CNN
 * {summary, kind, classes, filters, fbias, F, k, conv, pool, side, dense, hidden} (nn.js).
 */
export const model = (key) =>
  once(`model:${key}`, async () => {
    const summary = await getJSON(`/api/models/${encodeURIComponent(key)}`);
    const arrays = await Promise.all(
      summary.layers.map((_, i) =>
        getArray(`/api/models/${encodeURIComponent(key)}/weights?layer=${i}`),
      ),
    );
    // Matrices and vectors keep their order, whatever the layer names are.
    const mats = arrays.filter((a) => a.shape.length === 2);
    const vecs = arrays.filter((a) => a.shape.length === 1);
    const base = { summary, kind: summary.kind, classes: summary.classes };
    if (summary.kind === "cnn") return cnnFrom(base, arrays);
    if (summary.kind === "logistic") {
      return { ...base, coef: mats[0].data, k: mats[0].shape[0], intercept: vecs[0].data };
    }
    return {
      ...base,
      W0: mats[0].data,
      b0: vecs[0].data,
      W1: mats[1].data,
      b1: vecs[1].data,
      hidden: mats[0].shape[1],
      activation: summary.activation || "logistic",
    };
  });

/** Predicted probabilities on the test split: {data: Float32Array(n*k), k}. */
export const predictions = (key) =>
  once(`model:${key}:predictions`, async () => {
    const { data, shape } = await getArray(
      `/api/models/${encodeURIComponent(key)}/predictions?split=test`,
    );
    return { data, n: shape[0], k: shape[1] };
  });

/** Test accuracy of each model on shifted test digits: {shifts, curves: {key: [...]}, n_images}. */
export const shiftCurve = (keys, axis, wrap, shifts) =>
  postJSON("/api/shift-curve", { model_keys: keys, axis, wrap, shifts });

/** A CNN from its layers in /weights order: filters (F, k, k), their biases, dense layers. */
function cnnFrom(base, [filters, fbias, ...dense]) {
  return cnnModel(base, filters.data, filters.shape[0], filters.shape[1], fbias.data, denseLayers(dense));
}

/**
 * The network `key` as it was after `epoch` (one of the summary's history_epochs): the loaded
 * model with its arrays replaced by the snapshot (the MLP's four; every layer of the CNN).
 * Kept, so replaying a run twice is instant.
 */
export const modelAt = (key, epoch) =>
  once(`model:${key}:epoch:${epoch}`, async () => {
    const base = await model(key);
    const layers = base.kind === "cnn" ? base.summary.layers.map((_, i) => i) : [0, 1, 2, 3];
    const arrays = await Promise.all(
      layers.map((i) =>
        getArray(`/api/models/${encodeURIComponent(key)}/weights?layer=${i}&epoch=${epoch}`),
      ),
    );
    if (base.kind === "cnn") return { ...cnnFrom(base, arrays), epoch };
    const [W0, b0, W1, b1] = arrays.map((a) => a.data);
    return { ...base, W0, b0, W1, b1, epoch };
  });

/**
 * The test images as sparse rows (most pixels of a digit are 0): {start, idx, val, n}, so a
 * forward pass over thousands of images costs only their inked pixels.
 */
export const sparseTest = (limit = 2000) =>
  once(`sparse:${limit}`, async () => {
    const t = await testSet();
    const n = Math.min(limit, t.n);
    let nnz = 0;
    for (let k = 0; k < n * 784; k++) if (t.images[k]) nnz++;
    const start = new Int32Array(n + 1);
    const idx = new Int32Array(nnz);
    const val = new Float32Array(nnz);
    let q = 0;
    for (let i = 0; i < n; i++) {
      start[i] = q;
      for (let p = 0; p < 784; p++) {
        const v = t.images[i * 784 + p];
        if (v) {
          idx[q] = p;
          val[q++] = v / 255;
        }
      }
    }
    start[n] = q;
    return { start, idx, val, n, labels: t.labels.subarray(0, n) };
  });
