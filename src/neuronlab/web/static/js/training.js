// A training panel shared by the chapters that train: start, follow progress, cancel.
import { ApiError, decodeFloat32, del, follow, postJSON } from "./api.js";
import { forgetModel, modelList } from "./data.js";
import { lineChart } from "./charts.js";
import { CONFUSION_NOTE, confusionTable } from "./confusion.js";
import { el, figure, makeCanvas } from "./draw.js";

/** Find a trained model matching `want` (kind, preset, classes, hidden, multi_class). */
export async function findModel(want) {
  const list = await modelList();
  // A max_epochs limit is part of the key ("-e3"): only a model trained with that limit fits.
  const limited = (m) => /-e\d+$/.test(m.model_key);
  const fits = (m) => (want.epochs ? m.model_key.endsWith(`-e${want.epochs}`) : !limited(m));
  return list.find((m) => matches(m, want) && fits(m)) || null;
}

function matches(m, want) {
  if (m.kind !== want.kind) return false;
  if (want.preset && m.preset !== want.preset) return false;
  if (want.hidden && m.hidden !== want.hidden) return false;
  if (want.multi_class && m.multi_class && m.multi_class !== want.multi_class) return false;
  const classes = want.classes ? want.classes.join(",") : "0,1,2,3,4,5,6,7,8,9";
  return m.classes.join(",") === classes;
}

const NOT_TRAINED = "Not trained yet.";

/** Tell the rest of the page that the list of trained models changed. */
export function modelsChanged() {
  window.dispatchEvent(new Event("neuronlab:models"));
}

/**
 * A "Train" button with progress bar, status line, cancel button and live curves.
 * `request()` gives the POST /api/train body (or the sweep body when `url` is /api/sweep);
 * `onDone(data)` gets the done event's data; `onWeights(Float32Array, shape)` the MLP snapshots;
 * `step` names one progress step ("epoch", or "iteration" for logistic regression's solver).
 */
export function trainingPanel({ label, url = "/api/train", request, onDone, onWeights, curves = true, step = "epoch" }) {
  const start = el("button", { type: "button", text: label });
  const cancel = el("button", { type: "button", class: "secondary", text: "Cancel", disabled: true });
  const bar = el("progress", { max: 1, value: 0, "aria-label": "training progress" });
  const status = el("span", { class: "status", role: "status", text: NOT_TRAINED });
  const lossCanvas = makeCanvas(330, 190, "loss per epoch");
  const valCanvas = makeCanvas(330, 190, "validation accuracy per epoch");
  const lossFig = figure({ title: "Training loss", canvas: lossCanvas, name: "loss-curve" });
  const valFig = figure({ title: "Validation accuracy", canvas: valCanvas, name: "validation-curve" });
  const figs = el("div", { class: "figs", hidden: true }, lossFig, valFig);
  let job = null;
  let source = null;
  let loss = [];
  let val = [];

  const drawCurves = () => {
    if (!curves || loss.length === 0) return;
    figs.hidden = false;
    const n = Math.max(2, loss.length);
    lineChart(lossCanvas, 330, 190, [{ ys: loss, color: "#1f5fa8" }], {
      xRange: [1, n],
      yRange: [0, Math.max(...loss) * 1.05],
      xLabel: step,
      yLabel: "loss",
      integerX: true,
    });
    valFig.hidden = val.length === 0;
    if (val.length) {
      lineChart(valCanvas, 330, 190, [{ ys: val, color: "#b2182b" }], {
        xRange: [1, n],
        yRange: [Math.min(0.8, ...val), 1],
        xLabel: step,
        yLabel: "accuracy",
        integerX: true,
      });
    }
  };

  const finish = (text, cls = "status") => {
    status.textContent = text;
    status.className = cls;
    start.disabled = false;
    cancel.disabled = true;
    job = null;
  };

  start.addEventListener("click", async () => {
    start.disabled = true;
    loss = [];
    val = [];
    bar.value = 0;
    status.className = "status";
    status.textContent = "Starting…";
    try {
      const answer = await postJSON(url, request());
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
          const score = p.validation_score ?? p.train_score;
          status.textContent = `${step[0].toUpperCase()}${step.slice(1)} ${p.epoch} of ${p.max_epochs}` +
            (p.loss != null ? ` · loss ${p.loss.toFixed(4)}` : "") +
            (score != null ? ` · accuracy ${(100 * score).toFixed(1)}%` : "") +
            ` · ${p.elapsed_s.toFixed(1)} s`;
          drawCurves();
        },
        weights: (w) => onWeights?.(decodeFloat32(w.coefs0), w.shape),
        done: async (data) => {
          bar.value = bar.max;
          if (data.model_key) forgetModel(data.model_key);
          modelsChanged();
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
  });

  cancel.addEventListener("click", async () => {
    if (!job) return;
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
    /** Stop listening (the chapter is being left); the job itself keeps running on the server. */
    close: () => source?.close(),
    /** Show a finished model's curves (one trained earlier, or just now); null: none yet. */
    showCurves(lossCurve, valCurve) {
      if (lossCurve === null) {
        figs.hidden = true;
        if (!job) {
          status.className = "status";
          status.textContent = NOT_TRAINED;
          bar.value = 0;
        }
        return;
      }
      loss = [...(lossCurve || [])];
      val = [...(valCurve || [])];
      drawCurves();
      if (!job && status.textContent === NOT_TRAINED) {
        status.textContent = "Trained earlier: showing the saved model.";
        bar.value = bar.max;
      }
    },
    setEnabled(on) {
      if (!job) start.disabled = !on;
    },
  };
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
  const element = el(
    "div",
    { class: "results", hidden: true },
    heading ? el("h3", { text: heading }) : null,
    el("div", { class: "readout" },
      el("div", {}, el("span", { class: "k", text: "test accuracy" }), acc),
      el("div", {}, el("span", { class: "k", text: "training accuracy" }), train),
      el("div", {}, el("span", { class: "k", text: "training time" }), fit)),
    el("div", { class: "figs" }, fig),
  );
  return {
    element,
    show(summary) {
      element.hidden = !summary;
      if (!summary) return;
      acc.textContent = `${(100 * summary.test_accuracy).toFixed(1)}%`;
      train.textContent = summary.train_accuracy == null ? "–" : `${(100 * summary.train_accuracy).toFixed(1)}%`;
      fit.textContent = summary.fit_seconds == null ? "–" : `${summary.fit_seconds.toFixed(2)} s`;
      const names = summary.classes.map(String);
      const conf = confusionTable(summary.confusion, names, (i, j) => {
        location.hash = mistakesLink(summary.model_key, summary.classes[i], summary.classes[j]);
      });
      render = conf.render;
      holder.replaceChildren(conf.table);
    },
  };
}

/**
 * The ten-class models the later chapters use: {lr, mlp} summaries (or null), preferring the
 * course's settings (one-vs-rest logistic regression, 25 hidden units) when several exist.
 */
export async function pickModels() {
  const list = (await modelList()).filter((m) => m.classes.length === 10);
  const rank = (m, best) => best.reduce((score, [k, v]) => score + (m[k] === v ? 1 : 0), 0);
  const pick = (kind, best) =>
    list.filter((m) => m.kind === kind).sort((p, q) => rank(q, best) - rank(p, best))[0] || null;
  return {
    lr: pick("logistic", [["preset", "module"], ["multi_class", "ovr"]]),
    mlp: pick("mlp", [["preset", "module"], ["hidden", 25]]),
  };
}
