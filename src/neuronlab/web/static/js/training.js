// A training panel shared by the chapters that train: start, follow progress, cancel.
import { ApiError, decodeFloat32, del, follow, postJSON } from "./api.js";
import { forgetModel, modelList } from "./data.js";
import { lineChart } from "./charts.js";
import { CONFUSION_NOTE, confusionTable } from "./confusion.js";
import { el, figure, makeCanvas } from "./draw.js";
import { SPLITS } from "./palette.js";
import { className } from "./words.js";

/**
 * Find a trained model matching `want`: {kind, classes (null: all ten), preset, seed,
 * settings: {name: value}}. Every setting given must equal the model's effective setting, so a
 * knob's value names exactly one model; a model saved before settings were recorded matches
 * only a request that names no settings.
 */
export async function findModel(want) {
  const list = await modelList();
  return list.find((m) => matches(m, want)) || null;
}

/**
 * Whether a finished job's model is the one the knobs name now: a fit that ends after the
 * learner moved on must not be drawn over the current setting. Without a summary (the
 * model existed already) the request was made from the current knobs.
 */
export function stillWanted(done, settings) {
  const have = done.summary?.settings;
  if (!have) return true;
  return Object.entries(settings).every(([k, v]) => v === null || v === undefined || have[k] === v);
}

function matches(m, want) {
  if (m.kind !== want.kind) return false;
  if (want.preset && m.preset !== want.preset) return false;
  if (want.seed !== undefined && m.seed !== null && m.seed !== undefined && m.seed !== want.seed) return false;
  const classes = want.classes ? want.classes.join(",") : "0,1,2,3,4,5,6,7,8,9";
  if (m.classes.join(",") !== classes) return false;
  // A network trained on shifted copies is another model: only a request naming the shift finds it.
  if ((m.settings?.augment_shift ?? 0) !== (want.settings?.augment_shift ?? 0)) return false;
  const given = Object.entries(want.settings || {}).filter(([, v]) => v !== null && v !== undefined);
  if (given.length === 0) return true;
  const have = m.settings || {};
  return given.every(([k, v]) => have[k] === v);
}

const NOT_TRAINED = "Not trained yet.";
// The replay position on the curves: neutral grey, since orange is the training split.
const MARKER = "#5b6470";

/** Tell the rest of the page that the list of trained models changed. */
export function modelsChanged(key = null) {
  window.dispatchEvent(new CustomEvent("neuronlab:models", { detail: { key } }));
}

/**
 * A "Train" button with progress bar, status line, cancel button and live curves.
 * `request()` gives the POST body for `url` (a path, or a function giving one: /api/train,
 * /api/sweep, a model's /continue); `onDone(data)`
 * gets the done event's data; `onWeights(Float32Array, shape, epoch)` the MLP snapshots;
 * `onProgress(p)` every progress event; `step` names one progress step ("epoch", or
 * "iteration" for logistic regression's solver). `run()` starts training from code (a knob
 * that retrains): while a job runs, the latest call waits and runs once it ends, so dragging
 * a slider never queues a fit per position.
 */
export function trainingPanel({ label, url = "/api/train", request, onDone, onWeights, onProgress, onResult, curves = true, step = "epoch", idle = NOT_TRAINED }) {
  const start = el("button", { type: "button", text: label });
  const cancel = el("button", { type: "button", class: "secondary", text: "Cancel", disabled: true });
  const bar = el("progress", { max: 1, value: 0, "aria-label": "training progress" });
  const status = el("span", { class: "status", role: "status", text: idle });
  const lossCanvas = makeCanvas(330, 190, "loss per epoch");
  const valCanvas = makeCanvas(330, 190, "accuracy per epoch");
  const lossFig = figure({ title: "Training loss", canvas: lossCanvas, name: "loss-curve" });
  const accLegend = el("div", { class: "legend lines" });
  const valFig = figure({ title: "Accuracy per epoch", canvas: valCanvas, name: "accuracy-curve", legend: accLegend });
  const figs = el("div", { class: "figs", hidden: true }, lossFig, valFig);
  let job = null;
  let running = false; // from the click until the job's last event (job is null until the POST answers)
  let source = null;
  let again = false;
  let loss = [];
  let val = [];
  let trainAcc = [];
  let marker;

  const drawCurves = () => {
    if (!curves || loss.length === 0) return;
    figs.hidden = false;
    const n = Math.max(2, loss.length);
    lineChart(lossCanvas, 330, 190, [{ ys: loss, color: SPLITS.loss.color }], {
      markerColor: MARKER,
      xRange: [1, n],
      yRange: [0, Math.max(...loss) * 1.05],
      xLabel: step,
      yLabel: "loss",
      integerX: true,
      marker,
    });
    const lines = [];
    if (trainAcc.length) lines.push({ ys: trainAcc, color: SPLITS.train.color, dash: SPLITS.train.dash, key: SPLITS.train.label });
    if (val.length) lines.push({ ys: val, color: SPLITS.validation.color, dash: SPLITS.validation.dash, key: SPLITS.validation.label });
    valFig.hidden = lines.length === 0;
    if (lines.length) {
      lineChart(valCanvas, 330, 190, lines, {
        xRange: [1, n],
        yRange: [Math.min(0.8, ...val, ...trainAcc), 1],
        xLabel: step,
        yLabel: "accuracy",
        integerX: true,
        marker,
        markerColor: MARKER,
      });
      accLegend.replaceChildren(...lines.map((l) => lineKey({ ...l, label: l.key })));
    }
  };

  const finish = (text, cls = "status") => {
    status.textContent = text;
    status.className = cls;
    start.disabled = false;
    cancel.disabled = true;
    job = null;
    running = false;
    if (again) {
      again = false;
      run();
    }
  };

  async function run() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    start.disabled = true;
    loss = [];
    val = [];
    trainAcc = [];
    marker = undefined;
    bar.value = 0;
    status.className = "status";
    status.textContent = "Starting…";
    try {
      const answer = await postJSON(typeof url === "function" ? url() : url, request());
      if (!answer.job_id) {
        bar.value = bar.max;
        await onDone({ model_key: answer.model_key });
        finish("Already trained: showing the saved model.");
        return;
      }
      job = answer.job_id;
      cancel.disabled = false;
      source = follow(job, {
        progress: (p) => {
          bar.max = p.max_epochs;
          bar.value = p.epoch;
          if (p.loss !== null && p.loss !== undefined) loss.push(p.loss);
          if (p.validation_score !== null && p.validation_score !== undefined) val.push(p.validation_score);
          if (step === "epoch" && p.train_score !== null && p.train_score !== undefined) trainAcc.push(p.train_score);
          const score = p.validation_score ?? p.train_score;
          status.textContent = `${step[0].toUpperCase()}${step.slice(1)} ${p.epoch} of ${p.max_epochs}` +
            (p.loss != null ? ` · loss ${p.loss.toFixed(4)}` : "") +
            (score != null ? ` · accuracy ${(100 * score).toFixed(1)}%` : "") +
            ` · ${p.elapsed_s.toFixed(1)} s`;
          drawCurves();
          onProgress?.(p);
        },
        weights: (w) => onWeights?.(decodeFloat32(w.coefs0), w.shape, w.epoch),
        // A sweep's networks, each as it finishes (teach helper: chapter 7 draws them at once).
        result: (r) => onResult?.(r),
        done: async (data) => {
          bar.value = bar.max;
          if (data.model_key) forgetModel(data.model_key);
          modelsChanged(data.model_key ?? null);
          // "Finished" only once the results are on screen.
          try {
            await onDone(data);
            finish("Finished.");
          } catch (err) {
            finish(err.message, "error");
          }
        },
        error: (e) => finish(e.detail || "Training failed.", "error"),
        cancelled: () => finish("Cancelled."),
      });
    } catch (err) {
      finish(err instanceof ApiError ? err.message : String(err), "error");
    }
  }

  start.addEventListener("click", run);
  cancel.addEventListener("click", async () => {
    if (!job) return;
    again = false;
    cancel.disabled = true;
    status.textContent = "Cancelling…";
    try {
      await del(`/api/jobs/${job}`);
    } catch (err) {
      finish(err.message, "error");
    }
  });

  const element = el("div", {}, el("div", { class: "progress" }, start, cancel, bar, status), figs);
  return {
    element,
    run,
    get busy() {
      return running;
    },
    /** Stop listening (the chapter is being left); the job itself keeps running on the server. */
    close: () => source?.close(),
    /**
     * Show a finished model's curves (one trained earlier, or just now); null: none yet.
     * `trainCurve` is the training accuracy per epoch when the model kept it.
     */
    showCurves(lossCurve, valCurve, trainCurve = []) {
      if (lossCurve === null) {
        figs.hidden = true;
        if (!running) {
          status.className = "status";
          status.textContent = NOT_TRAINED;
          bar.value = 0;
        }
        return;
      }
      loss = [...(lossCurve || [])];
      val = [...(valCurve || [])];
      trainAcc = [...(trainCurve || [])];
      marker = undefined;
      drawCurves();
      // A model on screen replaces an old "Cancelled." or "Not trained yet." line.
      if (!running && status.textContent !== "Finished." && !status.textContent.startsWith("Already")) {
        status.className = "status";
        status.textContent = "Trained earlier: showing the saved model.";
        bar.value = bar.max;
      }
    },
    /** Mark epoch `epoch` on both curves (the replay position); undefined: no marker. */
    mark(epoch) {
      marker = epoch;
      drawCurves();
    },
    setEnabled(on) {
      if (!running) start.disabled = !on;
    },
  };
}

/** A small line key: a stroke in the line's colour and dash, and its name. */
export function lineKey(line) {
  const svg = `<svg width="28" height="10" aria-hidden="true"><line x1="1" y1="5" x2="27" y2="5" stroke="${line.color}" stroke-width="2.5" stroke-dasharray="${(line.dash || []).join(" ")}"/></svg>`;
  return el("span", { class: "key" }, el("span", { html: svg }), line.label);
}

/** Link to chapter 9 showing the test images of true class t predicted as p by `key`. */
function mistakesLink(key, t, p) {
  return `#ch=9&model=${encodeURIComponent(key)}&t=${t}&p=${p}`;
}

/** Accuracy readouts and a clickable confusion matrix for one model. */
export function resultsPanel(title, heading = null) {
  const acc = el("span", { class: "v num" });
  const train = el("span", { class: "v num" });
  const fit = el("span", { class: "v num" });
  const holder = el("div");
  let render = null;
  const fig = figure({ title, canvas: holder, name: "confusion", note: CONFUSION_NOTE, render: () => render() });
  const when = el("p", { class: "note" });
  const element = el(
    "div",
    { class: "results", hidden: true },
    heading ? el("h3", { text: heading }) : null,
    el("div", { class: "readout" },
      el("div", {}, el("span", { class: "k", text: "test accuracy" }), acc),
      el("div", {}, el("span", { class: "k", text: "training accuracy" }), train),
      el("div", {}, el("span", { class: "k", text: "training time" }), fit)),
    when,
    el("div", { class: "figs" }, fig),
  );
  return {
    element,
    /** A line saying which state of the model the numbers are of (e.g. an epoch of a replay). */
    note(text) {
      when.textContent = text;
    },
    show(summary) {
      element.hidden = !summary;
      when.textContent = "";
      if (!summary) return;
      acc.textContent = `${(100 * summary.test_accuracy).toFixed(1)}%`;
      train.textContent = summary.train_accuracy == null ? "–" : `${(100 * summary.train_accuracy).toFixed(1)}%`;
      fit.textContent = summary.fit_seconds == null ? "–" : `${summary.fit_seconds.toFixed(2)} s`;
      const names = summary.classes.map(className);
      const conf = confusionTable(summary.confusion, names, (i, j) => {
        location.hash = mistakesLink(summary.model_key, summary.classes[i], summary.classes[j]);
      });
      render = conf.render;
      holder.replaceChildren(conf.table);
    },
  };
}

/**
 * The ten-class models the later chapters use: {lr, mlp, augmented, cnn} summaries (or null),
 * preferring the course's settings (one-vs-rest logistic regression, 25 hidden units) when
 * several exist; `augmented` is a hidden-layer network trained on shifted copies (the plain
 * `mlp` never is one), `cnn` the convolutional network (chapter 10).
 */
export async function pickModels() {
  const list = (await modelList()).filter((m) => m.classes.length === 10);
  const value = (m, k) => (k in m ? m[k] : m.settings?.[k]);
  const rank = (m, best) => best.reduce((score, [k, v]) => score + (value(m, k) === v ? 1 : 0), 0);
  const pick = (kind, best, keep = () => true) =>
    list.filter((m) => m.kind === kind && keep(m)).sort((p, q) => rank(q, best) - rank(p, best))[0] || null;
  const shifted = (m) => (m.settings?.augment_shift ?? 0) > 0;
  return {
    lr: pick("logistic", [["preset", "module"], ["multi_class", "ovr"]]),
    mlp: pick("mlp", [["preset", "module"], ["hidden", 25]], (m) => !shifted(m)),
    augmented: pick("mlp", [["preset", "module"], ["hidden", 25], ["augment_shift", 2]], shifted),
    cnn: pick("cnn", [["preset", "fast"], ["filters", 8], ["filter_size", 5], ["pool", true]]),
  };
}
