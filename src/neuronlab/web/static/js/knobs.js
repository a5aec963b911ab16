// The models' settings as page state fields, declared once for every chapter that trains, with
// the names the web API and the estimators use (C, alpha, learning_rate_init, ...).
import { getJSON } from "./api.js";
import { snapToLadder } from "./state.js";

/** C from 1e-5 to 10 in 1-2-5 steps: a log scale whose every rung is a readable number. */
export const C_LADDER = [
  1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10,
];
export const COURSE_C = 0.001;

export const C_FIELD = {
  name: "C",
  type: "float",
  default: COURSE_C,
  ladder: C_LADDER,
  label: "regularisation C (log scale; small = strong penalty)",
};

export const ALPHA_LADDER = [0, 1e-5, 1e-4, 0.001, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const LR_LADDER = [1e-4, 2e-4, 5e-4, 0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.05, 0.1];

/**
 * Chapter 6's knobs. Their defaults are the course's settings; the preset buttons load the
 * server's preset table (GET /api/presets), so the page holds no copy of the fast preset.
 * `api` is the request field each knob sets; 0 for epochs and n_train means "the preset's".
 */
export const MLP_FIELDS = [
  { name: "hidden", api: "hidden", type: "int", default: 25, min: 1, max: 400, control: "number", label: "hidden units" },
  { name: "act", api: "activation", type: "enum", default: "logistic", options: ["logistic", "relu", "tanh"], labels: { logistic: "logistic (sigmoid)", relu: "ReLU", tanh: "tanh" }, label: "activation" },
  { name: "alpha", api: "alpha", type: "float", default: 0.1, ladder: ALPHA_LADDER, label: "L2 penalty alpha" },
  { name: "lr", api: "learning_rate_init", type: "float", default: 0.001, ladder: LR_LADDER, label: "learning rate" },
  { name: "batch", api: "batch_size", type: "int", default: 50, min: 1, max: 2000, control: "number", label: "batch size" },
  { name: "es", api: "early_stopping", type: "bool", default: true, label: "early stopping" },
  { name: "epochs", api: "max_epochs", type: "int", default: 200, min: 1, max: 500, control: "number", label: "max epochs" },
  { name: "ntrain", api: "n_train", type: "int", default: 0, min: 0, max: 60000, step: 10, control: "number", label: "training images (0: all)" },
];

/** The request fields for the knobs in `state` (0 images: all of them). */
export function mlpSettings(state) {
  const out = {};
  for (const f of MLP_FIELDS) {
    const v = state[f.name];
    out[f.api] = f.name === "ntrain" && !v ? null : v;
  }
  return out;
}

let presets = null;
/** The server's presets: {logistic: {module, fast}, mlp: {module, fast}} of settings. */
export function serverPresets() {
  presets ??= getJSON("/api/presets").catch((err) => {
    presets = null;
    throw err;
  });
  return presets;
}

/** The state patch that loads preset `name`'s MLP settings into the knobs. */
export async function presetPatch(name) {
  const table = (await serverPresets()).mlp[name];
  const patch = { preset: name };
  for (const f of MLP_FIELDS) {
    const v = table[f.api];
    if (v !== undefined && v !== null) patch[f.name] = f.ladder ? snapToLadder(f.ladder, v) : v;
    else if (f.name === "ntrain") patch.ntrain = 0;
  }
  return patch;
}

// ----- Chapter 10's convolutional network (cnn helper) -------------------------------------

/** The CNN's fast preset, the chapter's default start (GET /api/presets holds the same). */
const CNN_FAST = { alpha: 1e-4, lr: 0.005, batch: 64, es: false, epochs: 10 };

/**
 * The CNN's knobs: its own (filters, filter size, pooling, an optional dense layer), then the
 * MLP's training settings that apply to it (not the activation: its units are all ReLU),
 * with the fast preset's values as defaults. 0 dense units means none.
 */
export const CNN_FIELDS = [
  { name: "filters", api: "filters", type: "int", default: 8, min: 1, max: 32, control: "number", label: "filters" },
  { name: "ksize", api: "filter_size", type: "enum", default: "5", options: ["3", "5", "7"], labels: { 3: "3 × 3", 5: "5 × 5", 7: "7 × 7" }, label: "filter size" },
  { name: "pool", api: "pool", type: "bool", default: true, label: "2 × 2 max-pooling" },
  { name: "dense", api: "hidden", type: "int", default: 0, min: 0, max: 400, control: "number", label: "dense hidden units (0: none)" },
  ...MLP_FIELDS.filter((f) => !["hidden", "act"].includes(f.name)).map((f) => (f.name in CNN_FAST ? { ...f, default: CNN_FAST[f.name] } : f)),
];

/** The request fields of the CNN knobs in `state` (0 dense units: none; 0 images: all). */
export function cnnSettings(state) {
  const out = {};
  for (const f of CNN_FIELDS) {
    const v = state[f.name];
    if (f.name === "ksize") out[f.api] = Number(v);
    else out[f.api] = (f.name === "ntrain" || f.name === "dense") && !v ? null : v;
  }
  return out;
}

/** The state patch that loads the CNN preset `name` into the knobs. */
export async function cnnPresetPatch(name) {
  const table = (await serverPresets()).cnn[name];
  const patch = { preset: name, dense: 0, ntrain: 0 };
  for (const f of CNN_FIELDS) {
    const v = table[f.api];
    if (v === undefined || v === null) continue;
    patch[f.name] = f.ladder ? snapToLadder(f.ladder, v) : f.name === "ksize" ? String(v) : v;
  }
  return patch;
}
