// The arithmetic the page does itself: activations, a neuron, logistic outputs, the MLP's and
// the CNN's forward passes, shifting a digit, and turning a drawing into an MNIST-like 28x28
// image.

export const ACTIVATIONS = {
  sigmoid: { label: "sigmoid", f: (z) => 1 / (1 + Math.exp(-z)) },
  linear: { label: "linear", f: (z) => z },
  relu: { label: "ReLU", f: (z) => (z > 0 ? z : 0) },
  arctan: { label: "arctan", f: (z) => Math.atan(z) },
};
// Server-side names of the same functions (scikit-learn's spelling).
const ALIASES = { logistic: "sigmoid", identity: "linear", tanh: null };

export function activation(name) {
  if (name === "tanh") return Math.tanh;
  return ACTIVATIONS[ALIASES[name] || name]?.f || ACTIVATIONS.sigmoid.f;
}

export const sigmoid = ACTIVATIONS.sigmoid.f;

/** Outputs of each logistic neuron (sigmoid of w.x + b) for one image x (784). */
export function logisticOutputs(m, x, out = new Float32Array(m.k)) {
  for (let c = 0; c < m.k; c++) {
    let z = m.intercept[c];
    const base = c * 784;
    for (let p = 0; p < 784; p++) z += m.coef[base + p] * x[p];
    out[c] = sigmoid(z);
  }
  return out;
}

/** Class probabilities of a logistic model: one-vs-rest outputs normalised, or binary [1-p, p]. */
export function logisticProba(m, x) {
  const out = logisticOutputs(m, x);
  if (m.k === 1) return Float32Array.of(1 - out[0], out[0]);
  if (m.summary.multi_class === "multinomial") return softmaxOfLogits(m, x);
  let s = 0;
  for (const v of out) s += v;
  return out.map((v) => v / s);
}

function softmaxOfLogits(m, x) {
  const z = new Float32Array(m.k);
  for (let c = 0; c < m.k; c++) {
    let t = m.intercept[c];
    for (let p = 0; p < 784; p++) t += m.coef[c * 784 + p] * x[p];
    z[c] = t;
  }
  return softmax(z);
}

function softmax(z) {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * The MLP's forward pass for one image: each hidden unit's total input, its output, and the
 * class probabilities. W0 is (784, h) row-major, W1 is (h, k).
 */
export function mlpForward(m, x) {
  const h = m.hidden;
  const total = Float32Array.from(m.b0);
  for (let p = 0; p < 784; p++) {
    const v = x[p];
    if (v === 0) continue;
    const row = p * h;
    for (let j = 0; j < h; j++) total[j] += v * m.W0[row + j];
  }
  const f = activation(m.activation);
  const hidden = total.map(f);
  const k = m.b1.length;
  const logits = Float32Array.from(m.b1);
  for (let j = 0; j < h; j++) for (let c = 0; c < k; c++) logits[c] += hidden[j] * m.W1[j * k + c];
  return { total, hidden, probs: softmax(logits) };
}

/** Class probabilities from any loaded model. */
export function proba(m, x) {
  if (m.kind === "cnn") return cnnForward(m, x).probs;
  return m.kind === "mlp" ? mlpForward(m, x).probs : logisticProba(m, x);
}

/** Dense layers from their arrays in /weights order (W (nin, nout) row-major, then b). */
export function denseLayers(arrays) {
  const layers = [];
  for (let i = 0; i + 1 < arrays.length; i += 2) {
    const [nin, nout] = arrays[i].shape;
    layers.push({ W: arrays[i].data, b: arrays[i + 1].data, nin, nout });
  }
  return layers;
}

/**
 * A CNN as the page computes with it: `filters` (F*k*k, filter by filter, row-major), `fbias`
 * (F), `dense` [{W, b, nin, nout}] (ReLU between them, softmax at the end). Whether it pools
 * follows from the first dense layer's inputs: F maps of (28 - k + 1)^2, or of a quarter.
 */
export function cnnModel(base, filters, F, k, fbias, dense) {
  const conv = 28 - k + 1;
  const pool = dense[0].nin !== F * conv * conv;
  const side = pool ? Math.floor(conv / 2) : conv;
  const hidden = dense.length > 1 ? dense[0].nout : 0;
  return { ...base, kind: "cnn", filters, fbias, F, k, conv, pool, side, dense, hidden };
}

/**
 * The CNN's forward pass for one 28x28 image x (784): `conv` (F*c*c) each filter's weighted
 * sum plus its bias at every position, before ReLU; `pooled` (F*s*s) what the dense layers
 * read (ReLU, then the largest of each 2x2 when the network pools); `hidden` the dense hidden
 * layer's outputs (empty without one); `probs` the class probabilities. Equal to the server's
 * predict_proba up to float rounding.
 */
export function cnnForward(m, x) {
  const { F, k, conv: c } = m;
  const conv = new Float32Array(F * c * c);
  for (let f = 0; f < F; f++) {
    const w = m.filters.subarray(f * k * k, (f + 1) * k * k);
    const out = conv.subarray(f * c * c, (f + 1) * c * c);
    out.fill(m.fbias[f]);
    // Scatter each inked pixel into the positions whose window covers it: a digit is mostly 0.
    for (let p = 0; p < 784; p++) {
      const v = x[p];
      if (v === 0) continue;
      const r = (p / 28) | 0;
      const q = p - r * 28;
      for (let i = Math.max(0, r - c + 1); i <= Math.min(k - 1, r); i++) {
        const row = (r - i) * c;
        for (let j = Math.max(0, q - c + 1); j <= Math.min(k - 1, q); j++) out[row + q - j] += v * w[i * k + j];
      }
    }
  }
  const pooled = poolMaps(m, conv);
  const { hidden, probs } = denseForward(m.dense, pooled);
  return { conv, pooled, hidden, probs };
}

/** ReLU, then the largest of every 2x2 window when the network pools: (F*s*s). */
function poolMaps(m, conv) {
  const { F, conv: c, side: s, pool } = m;
  const out = new Float32Array(F * s * s);
  for (let f = 0; f < F; f++) {
    const map = f * c * c;
    for (let r = 0; r < s; r++) {
      for (let q = 0; q < s; q++) {
        let best = 0; // ReLU: nothing below 0
        if (pool) {
          const top = map + 2 * r * c + 2 * q;
          best = Math.max(0, conv[top], conv[top + 1], conv[top + c], conv[top + c + 1]);
        } else {
          best = Math.max(0, conv[map + r * c + q]);
        }
        out[f * s * s + r * s + q] = best;
      }
    }
  }
  return out;
}

/** Dense ReLU layers then softmax: {hidden (first hidden layer's outputs), probs}. */
function denseForward(dense, input) {
  let a = input;
  let hidden = new Float32Array(0);
  for (let l = 0; l < dense.length; l++) {
    const { W, b, nin, nout } = dense[l];
    const z = Float32Array.from(b);
    for (let i = 0; i < nin; i++) {
      const v = a[i];
      if (v === 0) continue;
      const row = i * nout;
      for (let j = 0; j < nout; j++) z[j] += v * W[row + j];
    }
    if (l === dense.length - 1) return { hidden, probs: softmax(z) };
    a = z.map((v) => (v > 0 ? v : 0));
    if (l === 0) hidden = a;
  }
  return { hidden, probs: new Float32Array(0) };
}

/**
 * The CNN's predicted class index for each of the first `n` sparse test images (see
 * data.js sparseTest): what a replay's accuracy and confusion matrix are computed from.
 */
export function cnnBatch(m, sparse, n = sparse.n) {
  const count = Math.min(n, sparse.n);
  const x = new Float32Array(784);
  const predicted = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    x.fill(0);
    for (let q = sparse.start[i]; q < sparse.start[i + 1]; q++) x[sparse.idx[q]] = sparse.val[q];
    predicted[i] = argmax(cnnForward(m, x).probs);
  }
  return { predicted, n: count };
}

/** Move a 28x28 image by dy rows and dx columns into `out`; wrap around or fill with 0. */
export function shiftInto(src, dy, dx, wrap, out) {
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      let sr = r - dy;
      let sc = c - dx;
      if (wrap) {
        sr = (sr + 28) % 28;
        sc = (sc + 28) % 28;
        out[r * 28 + c] = src[sr * 28 + sc];
      } else {
        out[r * 28 + c] = sr < 0 || sr > 27 || sc < 0 || sc > 27 ? 0 : src[sr * 28 + sc];
      }
    }
  }
  return out;
}

/**
 * Turn a 28x28 image by `degrees` about its centre into `out` (bilinear; what comes in from
 * outside the image is 0). Chapter 6b measures what the models keep on turned digits.
 */
export function rotateInto(src, degrees, out) {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const at = (r, c) => (r >= 0 && r < 28 && c >= 0 && c < 28 ? src[r * 28 + c] : 0);
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const y = r - 13.5;
      const x = c - 13.5;
      const sr = cos * y - sin * x + 13.5;
      const sc = sin * y + cos * x + 13.5;
      const r0 = Math.floor(sr);
      const c0 = Math.floor(sc);
      const fr = sr - r0;
      const fc = sc - c0;
      out[r * 28 + c] =
        (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1)) + fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1));
    }
  }
  return out;
}

/**
 * MNIST-style preprocessing of a drawing (grey values 0..1 on an n x n grid): crop to the ink's
 * bounding box, scale it to fit 20x20 keeping its aspect ratio, and place it in 28x28 so that its
 * centre of mass is at the centre. Returns null when nothing is drawn.
 */
export function preprocess(ink, n, out = new Float32Array(784)) {
  let top = n;
  let bottom = -1;
  let left = n;
  let right = -1;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (ink[r * n + c] > 0.05) {
        if (r < top) top = r;
        if (r > bottom) bottom = r;
        if (c < left) left = c;
        if (c > right) right = c;
      }
    }
  }
  out.fill(0);
  if (bottom < 0) return null;
  const bh = bottom - top + 1;
  const bw = right - left + 1;
  const scale = 20 / Math.max(bh, bw);
  const th = Math.max(1, Math.round(bh * scale));
  const tw = Math.max(1, Math.round(bw * scale));
  // Area-average the box into th x tw (a box filter, like the anti-aliased MNIST originals).
  const small = new Float32Array(th * tw);
  for (let r = 0; r < th; r++) {
    const r0 = top + (r * bh) / th;
    const r1 = top + ((r + 1) * bh) / th;
    for (let c = 0; c < tw; c++) {
      const c0 = left + (c * bw) / tw;
      const c1 = left + ((c + 1) * bw) / tw;
      small[r * tw + c] = boxMean(ink, n, r0, r1, c0, c1);
    }
  }
  let mass = 0;
  let my = 0;
  let mx = 0;
  for (let r = 0; r < th; r++) {
    for (let c = 0; c < tw; c++) {
      const v = small[r * tw + c];
      mass += v;
      my += v * r;
      mx += v * c;
    }
  }
  const oy = Math.round(13.5 - my / mass);
  const ox = Math.round(13.5 - mx / mass);
  for (let r = 0; r < th; r++) {
    for (let c = 0; c < tw; c++) {
      const y = r + oy;
      const x = c + ox;
      if (y >= 0 && y < 28 && x >= 0 && x < 28) out[y * 28 + x] = Math.min(1, small[r * tw + c]);
    }
  }
  return out;
}

function boxMean(ink, n, r0, r1, c0, c1) {
  let s = 0;
  let a = 0;
  for (let r = Math.floor(r0); r < Math.ceil(r1); r++) {
    const wr = Math.min(r + 1, r1) - Math.max(r, r0);
    for (let c = Math.floor(c0); c < Math.ceil(c1); c++) {
      const wc = Math.min(c + 1, c1) - Math.max(c, c0);
      s += ink[r * n + c] * wr * wc;
      a += wr * wc;
    }
  }
  return a > 0 ? s / a : 0;
}

/** Index of the largest value. */
export function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Every sparse test image through an MLP: the hidden units' total inputs Z (n*h, row-major)
 * and the predicted class index of each image. Costs n x inked pixels x h.
 */
export function mlpBatch(m, sparse) {
  const h = m.hidden;
  const k = m.b1.length;
  const { start, idx, val, n } = sparse;
  const Z = new Float32Array(n * h);
  const predicted = new Int32Array(n);
  const f = activation(m.activation);
  const logits = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const z = Z.subarray(i * h, (i + 1) * h);
    z.set(m.b0);
    for (let q = start[i]; q < start[i + 1]; q++) {
      const v = val[q];
      const row = idx[q] * h;
      for (let j = 0; j < h; j++) z[j] += v * m.W0[row + j];
    }
    for (let c = 0; c < k; c++) logits[c] = m.b1[c];
    for (let j = 0; j < h; j++) {
      const a = f(z[j]);
      for (let c = 0; c < k; c++) logits[c] += a * m.W1[j * k + c];
    }
    // One output (two classes): its logit decides; otherwise the largest wins.
    predicted[i] = k === 1 ? (logits[0] > 0 ? 1 : 0) : argmax(logits);
  }
  return { Z, predicted, n, h };
}
