// Chapter 10 (shown after chapter 6 as "6b"): sharing weights across positions. A small
// convolutional network slides each of its few filters over every position of the image; the
// knobs name one network, the time machine replays its training, one image (a test digit or a
// drawing) is followed through its maps, and the chapter 5 curve compares the two remedies for
// brittleness: the CNN, and the hidden-layer network trained on shifted copies.
import { confusion as confusionOf } from "../confusionmath.js";
import { controls, setMax } from "../controls.js";
import { cnnParts, conclude, count, pct } from "../conclusions.js";
import { datasetInfo, imageInto, model, modelAt, modelList, shiftCurve, sparseTest, testSet } from "../data.js";
import { el, figure, LEGENDS, lineKey, makeCanvas } from "../draw.js";
import { cnnImageView, drawFilters } from "../cnnview.js";
import { lineChart } from "../charts.js";
import { CNN_FIELDS, cnnPresetPatch, cnnSettings, serverPresets } from "../knobs.js";
import { argmax, cnnBatch, proba, rotateInto, shiftInto } from "../nn.js";
import { MODELS } from "../palette.js";
import { pickModels, resultsPanel, stillWanted, trainingPanel } from "../training.js";
import { exercises } from "../exercises.js";
import { drawingPad } from "../drawpad.js";
import { replayBar } from "../replay.js";
import { aClass } from "../words.js";

const fields = [
  { name: "preset", type: "enum", default: "fast", options: ["fast", "module"], labels: { fast: "fast defaults", module: "the course's recipe" }, label: "start from" },
  ...CNN_FIELDS,
  { name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" },
  { name: "dy", type: "int", default: 0, min: -6, max: 6, label: "move it down (rows)" },
  { name: "dx", type: "int", default: 0, min: -6, max: 6, label: "move it right (columns)" },
  { name: "model", type: "str", default: "", label: "model shown" },
  { name: "epoch", type: "int", default: 0, min: 0, max: 1000, label: "replay epoch (0: final)" },
  { name: "aug", type: "int", default: 2, min: 1, max: 4, label: "shifted copies: moved by up to (pixels)" },
  { name: "axis", type: "enum", default: "vertical", options: ["vertical", "horizontal"], label: "curve: shift direction" },
  { name: "cwrap", type: "bool", default: false, label: "curve: wrap around the edges" },
];
const KNOBS = CNN_FIELDS.map((f) => f.name);
// A replay epoch's confusion matrix is computed here, on this many test images (about 0.1 s).
const REPLAY_IMAGES = 1000;
const CURVE_MAX = 8;
const SHIFTS = Array.from({ length: 2 * CURVE_MAX + 1 }, (_, i) => i - CURVE_MAX);
const PAD = 196;
const STROKE = 16;
// The chart's lines: the chapter 5 models, the two remedies, and the CNN with pooling flipped.
const LINES = {
  lr: { ...MODELS.logistic },
  mlp: { ...MODELS.mlp },
  augmented: { ...MODELS.augmented },
  cnn: { ...MODELS.cnn },
  flip: { color: MODELS.cnn.color, dash: [3, 3] },
};
// Turned digits: the first 500 test images at these angles (degrees), computed here.
const ANGLES = [-30, -15, 0, 15, 30];
const TURNED = 500;
const SETTINGS = ["filters", "filter_size", "pool", "hidden", "activation", "alpha", "learning_rate_init", "batch_size", "early_stopping", "max_epochs"];

/** The training request that names the model `summary` describes (its kind, preset, settings). */
function requestFor(summary, nTrainAll) {
  const s = summary.settings || {};
  const body = { model: summary.kind, preset: summary.preset === "upload" ? "fast" : summary.preset, seed: summary.seed ?? 0 };
  for (const k of SETTINGS) if (s[k] !== undefined && s[k] !== null) body[k] = s[k];
  if (s.n_train && s.n_train < nTrainAll) body.n_train = s.n_train;
  return body;
}

/** Whether model summary `m` has every setting of `want` (a request body); null: any value. */
function hasSettings(m, want) {
  if (m.kind !== want.model || m.classes.length !== 10) return false;
  if (want.preset && m.preset !== want.preset) return false;
  if ((m.seed ?? 0) !== (want.seed ?? 0)) return false;
  const s = m.settings || {};
  if ((s.augment_shift ?? 0) !== (want.augment_shift ?? 0)) return false;
  if (want.model === "cnn" && (m.hidden ?? 0) !== (want.hidden ?? 0)) return false;
  return [...SETTINGS, "n_train"].every((k) => want[k] === undefined || want[k] === null || s[k] === want[k]);
}

function mount(root, store) {
  let seq = 0;
  let m = null; // the CNN shown, final weights
  let shown = null; // the CNN as drawn: m, or its snapshot at the replay epoch
  let test = null;
  let sparse = null;
  let nTrainAll = 0;
  let others = { lr: null, mlp: null, augmented: null, flip: null }; // summaries on the chart
  let displayed = null;
  let source = "test"; // what the maps show: the chosen test image, or the drawing
  let drawnOk = false;
  let curveToken = 0;
  const curves = new Map();
  const x = new Float32Array(784);
  const moved = new Float32Array(784);
  const facts = {};
  const picker = el("select", { id: "cnn-model" });

  // ----- why: the numbers of weight sharing, for the settings on the knobs -----
  const sharing = el("p", { class: "prose", "aria-live": "polite" });
  const filtersCanvas = makeCanvas(520, 140, "the learned filters, red positive, blue negative");
  const filtersNote = el("p", { class: "note" });
  const filtersFig = figure({ title: "Learned filters", canvas: filtersCanvas, name: "cnn-filters", legend: el("div", {}, LEGENDS.weights(), filtersNote) });
  filtersFig.hidden = true;
  const results = resultsPanel("Confusion matrix", "Convolutional network");
  const compare = el("p", { class: "prose conclusion" });

  const trainer = trainingPanel({
    label: "Train the CNN",
    request: () => ({ model: "cnn", preset: store.get("preset"), seed: 0, ...cnnSettings(store.state) }),
    onWeights: (w, shape) => drawLive(w, shape),
    onDone: (done) => {
      if (!stillWanted(done, cnnSettings(store.state))) return loadModel(++seq);
      if (store.get("model") || store.get("epoch")) store.set({ model: "", epoch: 0 });
      return loadModel(++seq, done.model_key);
    },
  });

  // ----- the time machine, as in chapter 6 -----
  const epochs = () => m?.summary.history_epochs || [];
  const replay = replayBar(store, epochs);
  const epochShown = replay.epochShown;
  const replayNote = el("p", { class: "note" });
  const moreEpochs = el("input", { type: "number", min: 1, max: 200, value: 5, "aria-label": "epochs to continue", style: "width:5em" });
  const continuer = trainingPanel({
    label: "Continue training",
    url: () => `/api/models/${encodeURIComponent(m.summary.model_key)}/continue`,
    request: () => ({ epochs: Math.max(1, Math.min(200, Number(moreEpochs.value) || 5)) }),
    curves: false,
    idle: "Adds epochs to the CNN shown, from its last state (no restart).",
    onWeights: (w, shape) => drawLive(w, shape),
    onDone: (done) => store.set({ model: done.model_key, epoch: 0 }),
  });
  const continueBox = el("div", { class: "controls", hidden: true },
    el("div", { class: "ctl" }, el("label", { text: "epochs to add" }), moreEpochs), continuer.element);

  // ----- one image through the network: a test image or a drawing, moved by dy, dx -----
  const drawn = new Float32Array(784);
  // The drawing is read after each stroke, preprocessed as MNIST was, and drawn through the CNN.
  const drawing = drawingPad({
    size: PAD,
    stroke: STROKE,
    label: "drawing pad: draw a digit for the network to read",
    raw: false,
    onStroke: () => {
      drawnOk = drawing.read(drawn);
      source = "drawn";
      drawImage(store.state);
      publish();
    },
  });
  const pad = drawing.canvas;
  const view = cnnImageView({ prefix: "cnn" });
  const verdict = el("p", { class: "status", role: "status" });
  const sourceNote = el("p", { class: "note" });
  const imageBox = el("div", { hidden: true },
    el("h2", { text: "Follow one image through the filters" }),
    el("p", { class: "prose", text: "Pick a test image, or draw one on the pad, and move it with the sliders: each filter's map moves with the digit, because the same filter looks at every position." }),
    el("div", { class: "figs" },
      el("div", {}, controls(store, ["img", "dy", "dx"]), sourceNote),
      figure({ title: "Or draw here", canvas: pad, name: "cnn-draw-pad", legend: el("div", { class: "row-actions" },
        el("button", { type: "button", class: "secondary", text: "Clear", onclick: () => clearPad() }),
        el("button", { type: "button", class: "secondary", text: "Back to the test image", onclick: () => useTest() })) })),
    verdict,
    view.element);

  // ----- the two remedies on the chapter 5 curve -----
  const curve = makeCanvas(560, 300, "test accuracy against shift for each model");
  const curveLegend = el("div", { class: "legend lines" });
  const curveNote = el("p", { class: "status", role: "status" });
  const conclusion = el("p", { class: "prose conclusion", "aria-live": "polite" });
  const turned = el("p", { class: "prose conclusion", "aria-live": "polite", hidden: true });
  let turnedId = "";
  const augTrainer = trainingPanel({
    label: "Train the hidden-layer network on shifted copies",
    curves: false,
    idle: "Trains chapter 6's network again, on its images and a copy of them moved by up to the pixels above.",
    request: () => augmentedRequest(),
    onDone: () => loadOthers(),
  });
  const flipTrainer = trainingPanel({
    label: "Train the same CNN the other way round",
    curves: false,
    idle: "Trains the CNN shown with pooling switched the other way, to compare the curves.",
    request: () => ({ ...requestFor(m.summary, nTrainAll), pool: !shownPool() }),
    onDone: () => loadOthers(),
  });
  const flipBox = el("div", { hidden: true }, flipTrainer.element);
  const remedies = el("div", { hidden: true },
    el("h2", { text: "Two remedies for brittleness, side by side" }),
    el("p", { class: "prose", text: "Chapter 5 moved every test digit a few pixels and watched logistic regression and the hidden-layer network fall apart. There are two ways out. By data: train the same network on copies of its images moved at random, so that it has seen moved digits. By design: share the weights across positions, so that one detector finds its pattern wherever it is. The chart scores all of them on the same moved test images." }),
    controls(store, ["aug"]),
    augTrainer.element,
    flipBox,
    controls(store, ["axis", "cwrap"]),
    el("div", { class: "figs" }, figure({ title: "Test accuracy against shift", canvas: curve, name: "cnn-shift-curve", legend: curveLegend, note: "Every test image moved by the same amount, then scored. Trained models only; chapters 4 and 6 train the first two." })),
    curveNote,
    conclusion,
    turned);

  const ex = exercises("cnn", store);
  root.append(
    el("p", { class: "prose", text: "Chapter 5 showed the weakness of weights tied to pixels: move a digit two rows and every weight sees something else. A convolutional network (CNN) fixes this by design. Each of its filters is one small detector, a few pixels square, slid over every position of the image: at each position it multiplies the pixels under it by its weights and adds them up, giving one number. The same weights are used everywhere, so a stroke that the filter likes is found wherever it is, and the result is a map of where the pattern appears. ReLU keeps the positive part; pooling keeps the largest value of every 2 × 2 block; an output layer reads the maps and decides." }),
    sharing,
    el("div", { class: "knobs" },
      controls(store, ["preset", ...KNOBS],
        el("div", { class: "ctl" }, el("label", { for: "cnn-model", text: "model shown" }), picker)),
      el("div", { class: "presets" },
        el("button", { type: "button", class: "secondary", text: "Fast defaults", onclick: () => applyPreset("fast") }),
        el("button", { type: "button", class: "secondary", text: "Course recipe", onclick: () => applyPreset("module") }),
        el("span", { class: "hint", text: "Every setting is part of the link. The fast defaults train in a few seconds; the course recipe (the MLP's settings of chapter 6) takes longer." }))),
    trainer.element,
    replay.element,
    replayNote,
    continueBox,
    compare,
    el("div", { class: "cols" }, results.element),
    el("div", { class: "figs" }, filtersFig),
    imageBox,
    remedies,
    ex.element,
  );

  async function applyPreset(name) {
    store.set({ ...(await cnnPresetPatch(name)), model: "", epoch: 0 });
  }

  async function fillPicker() {
    const nets = (await modelList()).filter((n) => n.kind === "cnn");
    picker.replaceChildren(
      el("option", { value: "", text: "trained with these settings" }),
      ...nets.map((n) => el("option", { value: n.model_key, text: `${n.model_key} (${(100 * n.test_accuracy).toFixed(1)}%)` })),
    );
    picker.value = nets.some((n) => n.model_key === store.get("model")) ? store.get("model") : "";
  }
  picker.addEventListener("change", () => store.set({ model: picker.value, epoch: 0 }));
  const modelsChanged = () => {
    fillPicker();
    loadOthers();
  };
  window.addEventListener("neuronlab:models", modelsChanged);
  fillPicker();

  datasetInfo().then((info) => {
    nTrainAll = info.n_train;
  }).catch(() => {});
  Promise.all([testSet(), sparseTest(REPLAY_IMAGES)]).then(([t, sp]) => {
    test = t;
    sparse = sp;
    setMax(root, "img", t.n - 1);
    if (shown) drawImage(store.state);
  });

  // ----- the why paragraph -----
  function describeSharing(s) {
    const F = s.filters;
    const k = Number(s.ksize);
    const c = 28 - k + 1;
    const side = s.pool ? Math.floor(c / 2) : c;
    const features = F * side * side;
    const h = others.mlp?.hidden ?? 25;
    const dense = s.dense > 0
      ? `a dense layer of ${count(s.dense)} ReLU units reads them (${count(features * s.dense)} weights) and the output layer reads those`
      : `the output layer reads them with one weight per number and class: ${count(features * 10)} weights`;
    sharing.textContent = `With the settings above: one filter is ${k} × ${k} = ${count(k * k)} weights, slid over all ${c} × ${c} = ${count(c * c)} positions of the 28 × 28 image, so the same ${count(k * k)} weights look for their pattern everywhere. The ${count(F)} filters hold ${count(F * k * k)} weights and ${count(F)} biases; the hidden layer of chapter 6 holds 784 × ${count(h)} = ${count(784 * h)}, one per pixel and unit. ${s.pool ? `Pooling shrinks each map to ${side} × ${side}` : `Without pooling each map stays ${side} × ${side}`}: ${count(F)} maps give ${count(features)} numbers, and ${dense}.`;
    Object.assign(facts, { filters: F, filter_size: k, hidden_units: h });
  }

  // ----- the CNN shown -----
  async function findCnn(s) {
    const want = { model: "cnn", preset: s.preset, seed: 0, ...cnnSettings(s) };
    return (await modelList()).find((n) => hasSettings(n, want)) || null;
  }

  async function loadModel(token, key = null) {
    const s = store.state;
    const found = key ? { model_key: key } : s.model ? { model_key: s.model } : await findCnn(s);
    const loaded = found ? await model(found.model_key).catch(() => null) : null;
    if (token !== seq) return;
    m = loaded && loaded.kind === "cnn" ? loaded : null;
    shown = m;
    displayed = m?.summary ?? null;
    replay.stop();
    results.show(m ? m.summary : null);
    imageBox.hidden = !m;
    filtersFig.hidden = !m;
    remedies.hidden = !m;
    continueBox.hidden = !m || !m.summary.history_epochs?.length;
    if (!m) {
      trainer.showCurves(null);
      replay.element.hidden = true;
      replayNote.textContent = "";
      compare.textContent = "";
      publish();
      return;
    }
    trainer.showCurves(m.summary.loss_curve, m.summary.validation_scores, m.summary.train_scores || []);
    setupReplay();
    await loadOthers();
    await showEpoch(store.state);
  }

  function drawLive(w, shape) {
    filtersFig.hidden = false;
    drawFilters(filtersCanvas, { filters: w, F: shape[0], k: shape[1] });
    filtersNote.textContent = "The filters as they are now, while the network trains.";
  }

  const shownPool = () => Boolean(m?.pool);

  function setupReplay() {
    const held = epochs();
    if (!replay.setup(held)) {
      replayNote.textContent = "This network has no training history, so there is nothing to replay. Train it here to watch its filters form.";
      return;
    }
    const best = m.summary.best_epoch;
    const last = held.at(-1);
    replayNote.textContent = best && best !== last
      ? `Kept ${held.length} snapshots of ${last} epochs. Early stopping restored the weights of epoch ${best}: those are the final weights.`
      : `Kept ${held.length} snapshots of ${last} epochs: play them to watch the filters form.`;
  }

  let drawSeq = 0;
  async function showEpoch(s) {
    if (!m) return;
    // Its own token, as in chapter 6: only the newest epoch asked for is drawn.
    const token = seq;
    const mine = ++drawSeq;
    const e = epochShown(s);
    const net = e ? await modelAt(m.summary.model_key, e) : m;
    if (token !== seq || mine !== drawSeq) return;
    shown = net;
    replay.show(e);
    trainer.mark(e || undefined);
    drawFilters(filtersCanvas, shown);
    filtersNote.textContent = `${shown.F} filters of ${shown.k} × ${shown.k} weights, ${e ? `after epoch ${e}` : "final"}; each on its own colour range so that a faint filter still shows its pattern.`;
    if (e && sparse) {
      const { predicted, n } = cnnBatch(net, sparse);
      const conf = confusionOf(sparse.labels.subarray(0, n), predicted, m.classes);
      displayed = { ...m.summary, ...conf, train_accuracy: null, fit_seconds: null };
      results.show(displayed);
      results.note?.(`After epoch ${e}, on the first ${count(n)} test images.`);
    } else {
      displayed = m.summary;
      results.show(m.summary);
    }
    drawImage(s);
    showCompare();
    publish();
  }

  function showCompare() {
    const mlp = others.mlp;
    if (!displayed) return;
    const mine = `The CNN gets ${pct(displayed.test_accuracy)} of the test images right`;
    compare.textContent = mlp
      ? `${mine}, the hidden-layer network of chapter 6 ${pct(mlp.test_accuracy)}, with ${count(shown.F * shown.k * shown.k)} filter weights against ${count(784 * (mlp.hidden ?? 25))} first-layer weights.${m.summary.fit_seconds ? ` The CNN trained in ${m.summary.fit_seconds.toFixed(1)} s.` : ""}`
      : `${mine}. Train the hidden-layer network in chapter 6 to compare.`;
  }

  // ----- the image -----
  function clearPad() {
    drawing.clear();
    drawnOk = false;
    if (source === "drawn") drawImage(store.state);
  }
  function useTest() {
    source = "test";
    drawImage(store.state);
  }

  function drawImage(s) {
    if (!shown || !test) return;
    const i = Math.min(s.img, test.n - 1);
    if (source === "drawn" && drawnOk) x.set(drawn);
    else imageInto(test, i, x);
    shiftInto(x, s.dy, s.dx, false, moved);
    const { best, probs } = view.draw(shown, moved);
    const answer = m.classes[best];
    const move = s.dy || s.dx ? `, moved ${s.dy} down and ${s.dx} right,` : "";
    verdict.textContent = source === "drawn" && drawnOk
      ? `Your drawing${move} reads as ${aClass(answer)} with probability ${probs[best].toFixed(3)}.`
      : `Test image #${i}${move} shows ${aClass(test.labels[i])}; the CNN answers ${aClass(answer)} with probability ${probs[best].toFixed(3)}${answer === test.labels[i] ? "" : " (wrong)"}.`;
    sourceNote.textContent = source === "drawn" && drawnOk
      ? "Showing your drawing, prepared like the MNIST digits (cut to its ink, 20 × 20, centred)."
      : "Showing the test image; draw on the pad to follow your own digit instead.";
    Object.assign(facts, { prediction: answer, probability: probs[best], source: source === "drawn" && drawnOk ? "drawn" : "test" });
  }

  // ----- the chart -----
  async function loadOthers() {
    if (!m) return;
    const token = seq;
    const picked = await pickModels();
    const list = await modelList();
    const plain = picked.mlp;
    const augWant = plain ? { ...requestFor(plain, nTrainAll), augment_shift: store.get("aug") } : null;
    const augmented = augWant
      ? list.find((n) => hasSettings(n, augWant))
      : list.find((n) => n.kind === "mlp" && n.classes.length === 10 && n.settings?.augment_shift === store.get("aug"));
    const flipWant = { ...requestFor(m.summary, nTrainAll), pool: !shownPool() };
    const flip = list.find((n) => n.model_key !== m.summary.model_key && hasSettings(n, flipWant)) || null;
    if (token !== seq) return;
    others = { lr: picked.lr, mlp: plain, augmented: augmented || null, flip };
    augTrainer.setEnabled(true);
    flipTrainer.element.querySelector("button").textContent = `Train the same CNN ${shownPool() ? "without" : "with"} pooling`;
    flipBox.hidden = Boolean(flip);
    describeSharing(store.state);
    showCompare();
    await loadCurve(store.state);
  }

  /** What each model on the chart keeps on turned test images (the browser computes it). */
  async function measureTurns() {
    const keys = chartKeys();
    const id = ["lr", "mlp", "augmented", "cnn"].map((k) => keys[k] ?? "").join("|");
    if (!m || !test || id === turnedId) return;
    turnedId = id;
    const token = seq;
    const loaded = {};
    for (const k of ["lr", "mlp", "augmented"]) if (others[k]) loaded[k] = await model(others[k].model_key);
    loaded.cnn = m;
    await new Promise((resolve) => setTimeout(resolve, 0)); // the chart first
    if (token !== seq || turnedId !== id) return;
    const n = Math.min(TURNED, test.n);
    const right = Object.fromEntries(Object.keys(loaded).map((k) => [k, ANGLES.map(() => 0)]));
    const original = new Float32Array(784);
    const image = new Float32Array(784);
    for (let i = 0; i < n; i++) {
      imageInto(test, i, original);
      ANGLES.forEach((a, j) => {
        const x = a === 0 ? original : rotateInto(original, a, image);
        for (const [k, net] of Object.entries(loaded)) if (net.classes[argmax(proba(net, x))] === test.labels[i]) right[k][j] += 1;
      });
    }
    const curvesOf = Object.fromEntries(Object.entries(right).map(([k, v]) => [k, v.map((c) => c / n)]));
    facts.turned = { angles: ANGLES, n, aug: store.get("aug"), ...curvesOf };
    turned.textContent = conclude.rotation(facts.turned);
    turned.hidden = !turned.textContent;
    publish();
  }

  function augmentedRequest() {
    const plain = others.mlp;
    const base = plain ? requestFor(plain, nTrainAll) : { model: "mlp", preset: "fast", seed: 0 };
    return { ...base, augment_shift: store.get("aug") };
  }

  const chartKeys = () => {
    const keys = { lr: others.lr?.model_key, mlp: others.mlp?.model_key, augmented: others.augmented?.model_key, cnn: m?.summary.model_key, flip: others.flip?.model_key };
    return Object.fromEntries(Object.entries(keys).filter(([, k]) => k));
  };

  async function loadCurve(s) {
    const keys = chartKeys();
    const id = `${Object.values(keys).join("|")}:${s.axis}:${s.cwrap}`;
    if (!curves.has(id) && Object.keys(keys).length) {
      const token = ++curveToken;
      curveNote.textContent = "Scoring the models on moved test images…";
      try {
        const answer = await shiftCurve(Object.values(keys), s.axis, s.cwrap, SHIFTS);
        curves.set(id, answer);
        if (token !== curveToken) return;
        curveNote.textContent = `Scored on the first ${count(Math.max(...Object.values(answer.n_images)))} test images.`;
      } catch (err) {
        curveNote.textContent = err.message;
        return;
      }
    }
    drawCurve(store.state);
  }

  function drawCurve(s) {
    const keys = chartKeys();
    const answer = curves.get(`${Object.values(keys).join("|")}:${s.axis}:${s.cwrap}`);
    const labels = {
      lr: MODELS.logistic.label,
      mlp: "hidden-layer network",
      augmented: `hidden layer, copies shifted ±${store.get("aug")}`,
      cnn: `CNN${m ? (m.pool ? " (pooling)" : " (no pooling)") : ""}`,
      flip: `the same CNN ${shownPool() ? "without" : "with"} pooling`,
    };
    const present = Object.keys(keys).filter((k) => answer?.curves[keys[k]]);
    lineChart(curve, 560, 300, present.map((k) => ({ xs: answer.shifts, ys: answer.curves[keys[k]], color: LINES[k].color, dash: LINES[k].dash, dots: true })), {
      xRange: [-CURVE_MAX, CURVE_MAX],
      yRange: [0, 1],
      xLabel: s.axis === "vertical" ? "rows moved down" : "columns moved right",
      yLabel: "test accuracy",
    });
    curveLegend.replaceChildren(...present.map((k) => lineKey({ ...LINES[k], label: labels[k] })));
    const curveOf = (k) => (answer && keys[k] ? answer.curves[keys[k]] ?? null : null);
    Object.assign(facts, {
      shifts: answer?.shifts,
      axis: s.axis,
      wrap: s.cwrap,
      lr: curveOf("lr"),
      mlp: curveOf("mlp"),
      augmented: curveOf("augmented"),
      cnn: curveOf("cnn"),
      cnn_flip: curveOf("flip"),
      pool: shownPool(),
      aug: store.get("aug"),
    });
    const missing = [!others.lr && "logistic regression (chapter 4)", !others.mlp && "the hidden-layer network (chapter 6)"].filter(Boolean);
    conclusion.textContent = answer
      ? `${conclude.cnn(facts)}${missing.length ? ` Train ${missing.join(" and ")} to see ${missing.length > 1 ? "them" : "it"} on the chart too.` : ""}`
      : "";
    publish();
    if (answer) measureTurns();
  }

  /** The numbers on screen, for the self-checks, the answers' placeholders and the tests. */
  function publish() {
    const sm = m ? displayed ?? m.summary : null;
    const parts = facts.shifts ? cnnParts(facts) : {};
    window.__neuronlab = {
      chapter: "cnn",
      state: { ...store.state },
      facts: {
        ...facts,
        model_key: m?.summary.model_key ?? null,
        test_accuracy: sm?.test_accuracy ?? null,
        fit_seconds: m?.summary.fit_seconds ?? null,
        epoch: epochShown(store.state),
        epochs_held: epochs().length,
        pooling: parts.pooling || "",
      },
    };
    ex.check(facts);
  }


  function update(s, changed) {
    const settings = ["preset", ...KNOBS].some((k) => changed.has(k));
    if (settings || changed.size > 3) describeSharing(s);
    if (changed.has("model") || changed.size > 3) {
      picker.value = s.model;
      loadModel(++seq);
    } else if (settings) {
      if (s.model || s.epoch) store.set({ model: "", epoch: 0 });
      else loadModel(++seq);
    } else if (changed.has("epoch")) {
      showEpoch(s);
    } else {
      if (["img", "dy", "dx"].some((k) => changed.has(k))) {
        if (changed.has("img")) source = "test";
        drawImage(s);
      }
      if (changed.has("aug")) loadOthers();
      else if (changed.has("axis") || changed.has("cwrap")) loadCurve(s);
    }
    publish();
  }
  serverPresets().catch(() => {});
  return {
    update,
    unmount() {
      replay.stop();
      trainer.close();
      continuer.close();
      augTrainer.close();
      flipTrainer.close();
      window.removeEventListener("neuronlab:models", modelsChanged);
    },
  };
}

export default {
  id: 10,
  number: "6b",
  slug: "cnn",
  title: "Sharing weights across positions",
  lead: "A few small filters, slid over every position: the remedy for brittleness by design, measured against the remedy by data.",
  fields,
  mount,
};
