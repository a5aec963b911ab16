// Readable names for trained models, from a model's summary (GET /api/models): "Hidden layer,
// 25 units, course settings, 2 epochs" instead of its key "mlp-module-h25-s0-e2". A name says
// the kind, the classes of a two-class model, the preset, every setting that differs from the
// preset's, and the epochs trained. No DOM and no imports, so Node runs it in the tests;
// neuronlab/naming.py writes the same names for the command line (a test feeds both).

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const PRESETS = { module: "course settings", fast: "fast settings" };
const ACTIVATIONS = { logistic: "sigmoid units", relu: "ReLU units", tanh: "tanh units" };
// The settings a name mentions when they differ from the preset's, in this order. The number of
// units, the multi-class strategy and (for networks) the epochs are said anyway.
const ORDER = ["C", "activation", "alpha", "learning_rate_init", "batch_size", "early_stopping", "filter_size", "pool", "augment_shift", "max_epochs"];

/** A whole number with thousands separators: 8000 -> "8,000". */
const count = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** A setting's number as it reads: 0.1, 10, 0.001, and 1e-5 rather than 0.00001. */
export function number(v) {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  if (Math.abs(v) < 1e-3) {
    const k = -Math.floor(Math.log10(Math.abs(v)));
    const mantissa = Math.round(v * 10 ** k * 1000) / 1000;
    return `${mantissa}e-${k}`;
  }
  return String(Number(v.toPrecision(4)));
}

const plural = (n, word) => `${count(n)} ${word}${n === 1 ? "" : "s"}`;

function describe(key, v, kind) {
  if (key === "C") return `C = ${number(v)}`;
  if (key === "activation") return ACTIVATIONS[v] ?? `${v} units`;
  if (key === "alpha") return `alpha ${number(v)}`;
  if (key === "learning_rate_init") return `learning rate ${number(v)}`;
  if (key === "batch_size") return `batches of ${count(v)}`;
  if (key === "early_stopping") return v ? "early stopping" : "no early stopping";
  if (key === "filter_size") return `${v}×${v} filters`;
  if (key === "pool") return v ? "pooling" : "no pooling";
  if (key === "augment_shift") return v ? `shifted copies up to ${plural(v, "pixel")}` : "no shifted copies";
  if (key === "max_epochs") return kind === "logistic" ? `at most ${plural(v, "iteration")}` : null;
  return null;
}

/** The file name an upload's key keeps: "upload-network-3fa2b1c0" -> "network". */
function uploadName(key) {
  return String(key || "").replace(/^upload-/, "").replace(/-[0-9a-f]{6,}$/, "");
}

/**
 * The readable name of model summary `m`. `presets` is GET /api/presets (differences from the
 * preset are left out without it), `classNames` the dataset's ten names (default the digits),
 * `trainCounts` its training images per class (to say when a model saw only the first n).
 */
export function modelName(m, { presets = null, classNames = null, trainCounts = null } = {}) {
  const names = classNames || DIGITS;
  const s = m.settings || {};
  const classes = m.classes || [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const parts = [];
  const units = m.hidden || s.hidden;
  if (m.kind === "mlp") parts.push(units ? `Hidden layer, ${plural(units, "unit")}` : "Hidden layer");
  else if (m.kind === "cnn") parts.push(s.filters ? `Convolutional network, ${plural(s.filters, "filter")}` : "Convolutional network");
  else if (m.kind === "logistic") parts.push("Logistic regression");
  else parts.push(String(m.kind));
  if (classes.length === 2) parts.push(`${names[classes[0]] ?? classes[0]} vs ${names[classes[1]] ?? classes[1]}`);
  else if (m.kind === "logistic") parts.push((m.multi_class ?? s.multi_class) === "multinomial" ? "multinomial" : "one vs rest");
  if (m.kind === "cnn" && s.hidden) parts.push(`${plural(s.hidden, "dense unit")}`);
  if (m.preset === "upload") parts.push(`uploaded file ${uploadName(m.model_key)}`);
  else if (m.preset) parts.push(PRESETS[m.preset] ?? `${m.preset} settings`);
  const defaults = m.preset !== "upload" ? presets?.[m.kind]?.[m.preset] : null;
  if (defaults) {
    for (const key of ORDER) {
      if (s[key] === undefined || s[key] === null || defaults[key] === undefined || s[key] === defaults[key]) continue;
      const text = describe(key, s[key], m.kind);
      if (text) parts.push(text);
    }
  }
  if (s.n_train && trainCounts) {
    const all = classes.reduce((sum, c) => sum + (trainCounts[c] ?? 0), 0);
    if (s.n_train < all) parts.push(`first ${count(s.n_train)} training images`);
  }
  if (m.seed !== null && m.seed !== undefined && m.seed !== 0) parts.push(`seed ${m.seed}`);
  if (m.kind !== "logistic" && m.epochs) parts.push(plural(m.epochs, "epoch"));
  return parts.join(", ");
}
