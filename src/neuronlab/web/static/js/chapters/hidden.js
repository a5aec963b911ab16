// Chapter 6: a hidden layer of neurons, each learning its own feature of the digits. The knobs
// name one network; the time machine replays its training epoch by epoch; any unit can be opened.
import { confusion as confusionOf } from "../confusionmath.js";
import { controls, setMax } from "../controls.js";
import { recordAsyncTiming } from "../state.js";
import { datasetInfo, imageInto, model, modelAt, modelList, sparseTest, testSet } from "../data.js";
import { el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { drawUnitMaps, hiddenImageView, unitAt } from "../hiddenview.js";
import { MLP_FIELDS, mlpSettings, presetPatch } from "../knobs.js";
import { networkDiagram } from "../netdiagram.js";
import { mlpBatch, mlpForward } from "../nn.js";
import { findModel, pickModels, resultsPanel, stillWanted, trainingPanel } from "../training.js";
import { conclude } from "../conclusions.js";
import { exercises, narrative } from "../exercises.js";
import { replayBar } from "../replay.js";
import { unitPanel } from "../unitpanel.js";
import { aClass, modelNamer } from "../words.js";

const fields = [
  { name: "preset", type: "enum", default: "module", options: ["module", "fast"], labels: { module: "the course's settings", fast: "fast defaults" }, label: "start from" },
  ...MLP_FIELDS,
  { name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" },
  { name: "model", type: "str", default: "", label: "model shown" },
  { name: "epoch", type: "int", default: 0, min: 0, max: 1000, label: "replay epoch (0: final)" },
  { name: "unit", type: "int", default: -1, min: -1, max: 399, label: "opened unit (-1: none)" },
];
const KNOBS = MLP_FIELDS.map((f) => f.name);
const REPLAY_IMAGES = 2000;

function mount(root, store) {
  let seq = 0;
  let m = null; // the network, final weights
  let shown = null; // the network as drawn: m, or its snapshot at the replay epoch
  let lr = null;
  let test = null;
  let sparse = null;
  let names = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
  let cursor = 0;
  let displayed = null; // the numbers on screen: the final summary, or those of a replay epoch
  const x = new Float32Array(784);
  const picker = el("select", { id: "hidden-model" });

  const mapsCanvas = makeCanvas(400, 400, "hidden units' weight maps: arrow keys move between units, Enter opens one");
  mapsCanvas.classList.add("units");
  mapsCanvas.tabIndex = 0;
  const mapsFig = figure({ title: "Weights of each hidden unit", canvas: mapsCanvas, name: "hidden-weight-maps", legend: LEGENDS.weights(), note: "Each map is one unit's 784 weights, scaled to its own largest weight, numbered as everywhere on this page. Click a map (or move with the arrow keys and press Enter) to open the unit. They update while the network trains." });
  mapsFig.hidden = true;
  const mlpResults = resultsPanel("Confusion matrix", "Hidden-layer network");
  const lrResults = resultsPanel("Confusion matrix", "Logistic regression, for comparison (chapter 4)");
  const path = hiddenImageView();
  const verdict = el("p", { class: "status", role: "status" });
  const imageBox = el("div", { hidden: true },
    el("h2", { text: "Follow one test image through the network" }),
    controls(store, ["img"]),
    verdict,
    path.element);
  const ex = exercises("hidden", store);
  const conclusion = el("p", { class: "prose conclusion" });
  const unit = unitPanel({ onClose: () => store.set({ unit: -1 }) });
  let diagram = null;
  const diagramHolder = el("div", { class: "figs" });

  const trainer = trainingPanel({
    label: "Train the network",
    request: () => ({ model: "mlp", preset: store.get("preset"), ...mlpSettings(store.state), seed: 0 }),
    onWeights: (w, shape) => drawLive(w, shape[1]),
    onDone: (done) => {
      // Show the network just trained, at its final weights, unless the knobs moved on meanwhile.
      if (!stillWanted(done, mlpSettings(store.state))) return loadModel(++seq);
      if (store.get("model") || store.get("epoch")) store.set({ model: "", epoch: 0 });
      return loadModel(++seq, done.model_key);
    },
  });

  // The time machine: a scrubber over the epochs the run kept, play/pause, steps, speed.
  let benchInput = null;
  const replay = replayBar(store, () => epochs(), { onInput: (t0) => (benchInput = t0) });
  const epochShown = replay.epochShown;
  const moreEpochs = el("input", { type: "number", min: 1, max: 200, value: 10, "aria-label": "epochs to continue", style: "width:5em" });
  const replayNote = el("p", { class: "note" });
  const continuer = trainingPanel({
    label: "Continue training",
    url: () => `/api/models/${encodeURIComponent(m.summary.model_key)}/continue`,
    request: () => ({ epochs: Math.max(1, Math.min(200, Number(moreEpochs.value) || 10)) }),
    curves: false,
    idle: "Adds epochs to the network shown, from its last state (no restart).",
    onWeights: (w, shape) => drawLive(w, shape[1]),
    onDone: (done) => store.set({ model: done.model_key, epoch: 0 }),
  });
  const continueBox = el("div", { class: "controls", hidden: true },
    el("div", { class: "ctl" }, el("label", { text: "epochs to add" }), moreEpochs), continuer.element);

  const knobBox = el("div", { class: "knobs" },
    controls(store, ["preset", ...KNOBS],
      el("div", { class: "ctl" }, el("label", { for: "hidden-model", text: "model shown" }), picker)),
    el("div", { class: "presets" },
      el("button", { type: "button", class: "secondary", text: "Course settings", onclick: () => applyPreset("module") }),
      el("button", { type: "button", class: "secondary", text: "Fast defaults", onclick: () => applyPreset("fast") }),
      el("span", { class: "hint", text: "Every setting is part of the link, so a link reproduces the experiment." })));

  root.append(
    el("p", { class: "prose", text: "Put a layer of hidden neurons between the pixels and the ten outputs. Each hidden unit has its own 784 weights, so it looks for its own pattern; the output neurons then combine the units' answers. Nobody tells a unit what to look for: the patterns are learned. The course uses 25 logistic units, L2 penalty alpha 0.1, the Adam optimiser with learning rate 0.001, batches of 50 and early stopping." }),
    narrative("hidden"),
    diagramHolder,
    knobBox,
    trainer.element,
    replay.element,
    replayNote,
    continueBox,
    conclusion,
    el("div", { class: "cols" }, mlpResults.element, lrResults.element),
    el("div", { class: "figs" }, mapsFig),
    unit.element,
    imageBox,
    ex.element,
  );

  async function applyPreset(name) {
    store.set({ ...(await presetPatch(name)), model: "", epoch: 0 });
  }

  // Which network to show: the one trained with the settings above, or any saved or uploaded one.
  async function fillPicker() {
    const [all, name] = await Promise.all([modelList(), modelNamer()]);
    const nets = all.filter((n) => n.kind === "mlp");
    picker.replaceChildren(
      el("option", { value: "", text: "trained with these settings" }),
      ...nets.map((n) => el("option", { value: n.model_key, text: `${name(n)} (${(100 * n.test_accuracy).toFixed(1)}%)` })),
    );
    picker.value = nets.some((n) => n.model_key === store.get("model")) ? store.get("model") : "";
  }
  picker.addEventListener("change", () => store.set({ model: picker.value, epoch: 0 }));
  window.addEventListener("neuronlab:models", fillPicker);
  fillPicker();

  datasetInfo().then((info) => {
    names = info.class_names;
  }).catch(() => {});
  Promise.all([testSet(), sparseTest(REPLAY_IMAGES)]).then(([t, sp]) => {
    test = t;
    sparse = sp;
    setMax(root, "img", t.n - 1);
    redraw(store.state);
  });
  pickModels().then(async ({ lr: found }) => {
    lr = found ? (await model(found.model_key)).summary : null;
    lrResults.show(lr);
    publish();
  });

  function drawLive(W0, h) {
    mapsFig.hidden = false;
    drawUnitMaps(mapsCanvas, W0, h);
  }

  async function loadModel(token, key = null) {
    const s = store.state;
    const found = key
      ? { model_key: key }
      : s.model
        ? { model_key: s.model }
        : await findModel({ kind: "mlp", classes: null, preset: s.preset, seed: 0, settings: mlpSettings(s) });
    const loaded = found ? await model(found.model_key) : null;
    if (token !== seq) return;
    m = loaded;
    displayed = m?.summary ?? null;
    replay.stop();
    mlpResults.show(m ? m.summary : null);
    imageBox.hidden = !m;
    mapsFig.hidden = !m;
    continueBox.hidden = !m || !m.summary.history_epochs?.length;
    buildDiagram(m ? m.hidden : store.get("hidden"));
    if (!m) {
      trainer.showCurves(null);
      replay.element.hidden = true;
      replayNote.textContent = "";
      unit.hide();
      publish();
      return;
    }
    trainer.showCurves(m.summary.loss_curve, m.summary.validation_scores, m.summary.train_scores || []);
    setupReplay();
    await showEpoch(store.state);
  }

  function buildDiagram(h) {
    diagram = networkDiagram({
      hidden: h,
      names,
      title: `the network: 784 pixels, ${h} hidden units, ${names.length} outputs`,
      onPick: (kind, j) => {
        if (kind === "hidden") store.set({ unit: j });
      },
    });
    diagramHolder.replaceChildren(figure({ title: "The network", canvas: diagram.element, name: "hidden-network", legend: LEGENDS.weights(), note: "Each hidden unit reads all 784 pixels; the lines into the outputs are its strongest votes (red for, blue against). A unit's grey fill is its output for the test image below. Click a unit to open it." }));
  }

  function epochs() {
    return m?.summary.history_epochs || [];
  }

  function setupReplay() {
    const held = epochs();
    if (!replay.setup(held)) {
      replayNote.textContent = "This network has no training history (it was trained before the lab kept one, or elsewhere, e.g. by scikit-learn), so there is nothing to replay. Train it here to watch it learn.";
      return;
    }
    const best = m.summary.best_epoch;
    const last = held.at(-1);
    replayNote.textContent = best && best !== last
      ? `Kept ${held.length} snapshots of ${last} epochs. Early stopping restored the weights of epoch ${best}, the best on the validation images: those are the final weights.`
      : `Kept ${held.length} snapshots of ${last} epochs.`;
  }


  let drawSeq = 0;
  let slowTimer = null;
  /**
   * Draw the network as it was after the state's epoch. The cheap views (maps, the image's
   * path, the diagram, the curves' marker) are drawn at once, within the input's frame; the
   * confusion matrix and the opened unit need every test image through the network, so they
   * follow once the scrubber rests (at once while playing).
   */
  async function showEpoch(s) {
    if (!m) return;
    // Its own token: a replay moves faster than snapshots load, and only the newest is drawn.
    const token = seq;
    const mine = ++drawSeq;
    const e = epochShown(s);
    const held = epochs();
    const net = e ? await modelAt(m.summary.model_key, e) : m;
    if (token !== seq || mine !== drawSeq) return;
    shown = net;
    const i = held.indexOf(e);
    replay.show(e);
    trainer.mark(e || undefined);
    drawMaps(s);
    drawImage(s, false);
    if (benchInput !== null) {
      recordAsyncTiming("replay scrubber", benchInput);
      benchInput = null;
    }
    prefetch(held, i);
    clearTimeout(slowTimer);
    slowTimer = setTimeout(() => {
      if (mine === drawSeq) showSlow(net, e);
    }, replay.playing || !e ? 0 : 120);
  }

  /** The views that need all test images: the epoch's confusion matrix and the opened unit. */
  function showSlow(net, e) {
    if (e && sparse) {
      // The confusion matrix of the network as it was, computed here from its snapshot.
      const { predicted, n } = batchOf(net);
      const conf = confusionOf(sparse.labels.subarray(0, n), predicted, m.classes);
      displayed = { ...m.summary, ...conf, train_accuracy: null, fit_seconds: null };
      mlpResults.show(displayed);
      mlpResults.note(`After epoch ${e}, on the first ${n.toLocaleString()} test images.`);
    } else {
      displayed = m.summary;
      mlpResults.show(m.summary);
    }
    showUnit(store.state);
    publish();
  }

  /** Every test image through `net`, once per snapshot (the confusion and the unit panel share it). */
  function batchOf(net) {
    if (!net.batch || net.batch.sparse !== sparse) net.batch = { ...mlpBatch(net, sparse), sparse };
    return net.batch;
  }

  /** Load the snapshots around position i (all of them when the run is small) before they are asked for. */
  function prefetch(held, i) {
    const bytes = 4 * m.W0.length;
    const all = bytes * held.length < 16 * 2 ** 20;
    const near = all ? held : held.slice(Math.max(0, i - 2), i + 4);
    for (const e of near) modelAt(m.summary.model_key, e).catch(() => {});
  }

  function drawMaps(s) {
    if (!shown) return;
    mapsFig.hidden = false;
    drawUnitMaps(mapsCanvas, shown.W0, shown.hidden, { open: s.unit, cursor: document.activeElement === mapsCanvas ? cursor : -1 });
  }

  function drawImage(s, withUnit = true) {
    if (!test || !shown) return;
    const i = Math.min(s.img, test.n - 1);
    imageInto(test, i, x);
    const { best, probs: p } = path.draw(shown, x);
    const { hidden } = mlpForward(shown, x);
    diagram?.update({ hiddenValues: hidden, outputs: p, open: s.unit >= 0 ? s.unit : null, W1: shown.W1 });
    verdict.textContent = `Test image #${i} shows ${aClass(test.labels[i])}; the network answers ${names[m.classes[best]] ?? m.classes[best]} with probability ${p[best].toFixed(3)}${best === test.labels[i] ? "" : " (wrong)"}.`;
    if (withUnit) showUnit(s);
  }

  function showUnit(s) {
    if (!shown || !test || !sparse || s.unit < 0 || s.unit >= shown.hidden) {
      unit.hide();
      return;
    }
    const i = Math.min(s.img, test.n - 1);
    unit.show(shown, s.unit, { test, sparse, index: i, x, names, batch: batchOf(shown) });
  }

  /** The numbers on screen, for the exercises that check themselves and for tests. */
  function publish() {
    const sm = m ? displayed ?? m.summary : null;
    const facts = sm
      ? {
          hidden: sm.hidden,
          test_accuracy: sm.test_accuracy,
          train_accuracy: sm.train_accuracy,
          lr_test_accuracy: lr?.test_accuracy ?? null,
          n_test: sm.confusion.flat().reduce((a, b) => a + b, 0),
          epoch: epochShown(store.state),
          epochs_held: epochs().length,
        }
      : { hidden: store.get("hidden"), lr_test_accuracy: lr?.test_accuracy ?? null };
    window.__neuronlab = { chapter: "hidden", state: { ...store.state }, facts };
    conclusion.textContent = sm ? conclude.hidden(facts) : "";
    ex.check(facts);
  }


  // The weight grid: click or keyboard to open a unit.
  mapsCanvas.addEventListener("click", (e) => {
    if (!shown) return;
    // On a narrow screen the canvas is drawn smaller than its layout: undo that scale.
    const r = mapsCanvas.getBoundingClientRect();
    const scale = Number.parseFloat(mapsCanvas.style.width) / r.width || 1;
    const j = unitAt(shown.hidden, (e.clientX - r.left) * scale, (e.clientY - r.top) * scale);
    if (j >= 0) {
      cursor = j;
      store.set({ unit: j });
    }
  });
  mapsCanvas.addEventListener("keydown", (e) => {
    if (!shown) return;
    const h = shown.hidden;
    const cols = Math.min(10, Math.ceil(Math.sqrt(h)));
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols, Home: -h, End: h };
    if (e.key in moves) {
      e.preventDefault();
      cursor = Math.max(0, Math.min(h - 1, cursor + moves[e.key]));
      drawMaps(store.state);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      store.set({ unit: cursor });
      unit.element.focus();
    } else if (e.key === "Escape") store.set({ unit: -1 });
  });
  mapsCanvas.addEventListener("focus", () => drawMaps(store.state));
  mapsCanvas.addEventListener("blur", () => drawMaps(store.state));

  function redraw(s) {
    if (m) showEpoch(s);
  }

  function update(s, changed) {
    const settings = ["preset", ...KNOBS].some((k) => changed.has(k));
    if (changed.has("model") || changed.size > 3) {
      picker.value = s.model;
      loadModel(++seq);
    } else if (settings) {
      // New settings name a new network: show that one rather than a picked model.
      if (s.model || s.epoch) store.set({ model: "", epoch: 0 });
      else loadModel(++seq);
      if (!m) buildDiagram(s.hidden);
    } else if (changed.has("epoch")) {
      showEpoch(s);
    } else {
      if (changed.has("unit")) {
        if (s.unit >= 0) cursor = s.unit;
        drawMaps(s);
      }
      if (changed.has("img") || changed.has("unit")) drawImage(s);
      if (changed.has("unit") && s.unit >= 0 && changed.size === 1) unit.element.scrollIntoView?.({ block: "nearest" });
      publish();
    }
    // Otherwise the (asynchronous) redraw publishes the facts once they are on screen.
  }
  buildDiagram(store.get("hidden"));
  return {
    update,
    unmount() {
      replay.stop();
      trainer.close();
      continuer.close();
      window.removeEventListener("neuronlab:models", fillPicker);
    },
  };
}

export default {
  id: 6,
  slug: "hidden",
  title: "A hidden layer",
  lead: "A network with hidden units learns its own features, then classifies with them.",
  fields,
  mount,
};
