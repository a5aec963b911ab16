// Chapter 5: move a digit a few pixels and a pixel-by-pixel model loses its way.
import { controls, setMax } from "../controls.js";
import { imageInto, model, shiftCurve, testSet } from "../data.js";
import { barChart, lineChart } from "../charts.js";
import { el, figure, LEGENDS, lineKey, makeCanvas } from "../draw.js";
import { argmax, proba, shiftInto } from "../nn.js";
import { drawDigit, drawStrip, stripFigure } from "../panels.js";
import { pickModels } from "../training.js";
import { MODELS, OTHER, WINNER } from "../palette.js";
import { conclude, count } from "../conclusions.js";
import { exercises } from "../exercises.js";
import { aClass, className, classNames, item, phrase } from "../words.js";

const fields = [
  { name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" },
  { name: "dy", type: "int", default: 0, min: -14, max: 14, label: "move down (rows)" },
  { name: "dx", type: "int", default: 0, min: -14, max: 14, label: "move right (columns)" },
  { name: "wrap", type: "bool", default: true, label: "wrap around the edges" },
  { name: "row", type: "int", default: 14, min: 0, max: 27, label: "highlighted row" },
  { name: "axis", type: "enum", default: "vertical", options: ["vertical", "horizontal"], label: "curve: shift direction" },
];
// The server scores moves of up to 8 pixels; the sliders go further, and the page says so.
const CURVE_MAX = 8;
const SHIFTS = Array.from({ length: 2 * CURVE_MAX + 1 }, (_, i) => i - CURVE_MAX);
const LINES = { lr: MODELS.logistic, mlp: MODELS.mlp, augmented: MODELS.augmented, cnn: MODELS.cnn };
const NAMES = { lr: "logistic regression", mlp: "hidden-layer network", augmented: "the same network on shifted copies", cnn: "CNN (chapter 6b)" };
// Chapter 10 (shown as 6b) trains the two remedies; their curves join this chart once trained.
const REMEDY = { chapter: "6b", title: "Sharing weights across positions" };
const MARKER = { color: "#8a929c", dash: [], label: "the move chosen above" };

/** What happened to row `row` when the digit moved (dy down, dx right), in pixel numbers. */
export function rowStory(row, dy, dx, wrap) {
  const moved = row + dy;
  const to = wrap ? ((moved % 28) + 28) % 28 : moved >= 0 && moved < 28 ? moved : null;
  if (to === null) return { to, text: `Row ${row} was pushed off the image: its pixels are lost.` };
  const from = `${row * 28}–${row * 28 + 27}`;
  if (dx === 0) {
    return { to, text: `Row ${row} of the original is now row ${to}: its pixels moved from inputs ${from} to ${to * 28}–${to * 28 + 27}.` };
  }
  const k = Math.abs(dx);
  const side = dx > 0 ? "right" : "left";
  const cols = `${k} column${k === 1 ? "" : "s"}`;
  const edge = wrap
    ? `, wrapping round within the row`
    : `; the ${cols} pushed past the ${side} edge ${k === 1 ? "is" : "are"} lost and black comes in at the other`;
  return {
    to,
    text: `Row ${row} of the original is now row ${to}, and every pixel in it also moved ${cols} ${side}: the pixel in column c went from input ${row * 28} + c to ${to * 28} + c ${dx > 0 ? "+" : "−"} ${k}${edge}.`,
  };
}

function mount(root, store) {
  let test = null;
  let models = { lr: null, mlp: null };
  let curveToken = 0;
  const curves = new Map();
  const x = new Float32Array(784);
  const moved = new Float32Array(784);
  const before = makeCanvas(196, 196, phrase("the original {item}"));
  const after = makeCanvas(196, 196, phrase("the moved {item}"));
  const stripBefore = stripFigure("Original as a strip", "shift-strip-original", LEGENDS.pixels());
  const stripAfter = stripFigure(phrase("Moved {item} as a strip"), "shift-strip-moved", LEGENDS.pixels());
  const bars = { lr: makeCanvas(300, 170, "logistic regression's answer"), mlp: makeCanvas(300, 170, "the hidden-layer network's answer") };
  const says = { lr: el("p", { class: "note" }), mlp: el("p", { class: "note" }) };
  const curve = makeCanvas(520, 280, "test accuracy against shift");
  const curveLegend = el("div", { class: "legend lines" });
  let remedies = { augmented: null, cnn: null }; // summaries of chapter 6b's models, if trained
  /** [[line, model key]] of the curves to draw: the two models here, then the remedies. */
  const curveKeys = () => [
    ...["lr", "mlp"].filter((k) => models[k]).map((k) => [k, models[k].summary.model_key]),
    ...["augmented", "cnn"].filter((k) => remedies[k]).map((k) => [k, remedies[k].model_key]),
  ];
  const curveNote = el("p", { class: "status", role: "status" });
  const rangeNote = el("p", { class: "status" });
  const conclusion = el("p", { class: "conclusion", "aria-live": "polite", hidden: true });
  const rowNote = el("p", { class: "status", "aria-live": "polite" });
  const ex = exercises("shift", store);
  const facts = {};

  root.append(
    el("p", { class: "prose", text: phrase("Our models look at each pixel separately: weight 300 only ever sees pixel 300. Move the same {item} down by two rows and every one of its pixels lands on a different weight, so the model sees a different input. Watch the highlighted row travel along the strip.") }),
    controls(store, ["img", "dy", "dx", "wrap", "row"]),
    rowNote,
    el("div", { class: "figs" },
      figure({ title: "Original", canvas: before, name: "shift-original", legend: LEGENDS.pixels() }),
      figure({ title: "Moved", canvas: after, name: "shift-moved", legend: LEGENDS.pixels(), note: "Wrapping puts what falls off one edge back on the opposite edge; without it, the gap fills with black." }),
      figure({ title: "Logistic regression (10 neurons)", canvas: bars.lr, name: "shift-predictions-lr", legend: says.lr, note: phrase("Orange bar: its answer for the moved {item}; grey bars: the other classes.") }),
      figure({ title: "Hidden-layer network", canvas: bars.mlp, name: "shift-predictions-mlp", legend: says.mlp, note: phrase("Orange bar: its answer for the moved {item}; grey bars: the other classes.") })),
    stripBefore.fig,
    stripAfter.fig,
    el("h2", { text: phrase("Accuracy on moved test {items}") }),
    el("p", { class: "prose", text: `Every test ${item()} moved by the same amount, then scored, for moves of up to ${CURVE_MAX} pixels either way.` }),
    controls(store, ["axis"]),
    el("div", { class: "figs" }, figure({
      title: "Test accuracy against shift",
      canvas: curve,
      name: "shift-accuracy-curve",
      legend: curveLegend,
      note: `The grey line is the move chosen above, in the curve's direction; beyond ±${CURVE_MAX} it waits at the edge.`,
    })),
    curveNote,
    rangeNote,
    conclusion,
    el("p", { class: "prose", text: "So a model that reads pixel by pixel compares the image with templates fixed to the grid. What would help is a step in between that finds parts, a loop at the top, a stroke down the middle, and a decision made from those parts: pixels → detectors → decision. Chapter 6 adds such a layer of learned detectors; come back here afterwards and see whether its curve holds up better than logistic regression's." }),
    ex.element,
  );

  Promise.all([testSet(), pickModels()]).then(async ([t, picked]) => {
    test = t;
    remedies = { augmented: picked.augmented ?? null, cnn: picked.cnn ?? null };
    setMax(root, "img", t.n - 1);
    const [lr, mlp] = await Promise.all([picked.lr && model(picked.lr.model_key), picked.mlp && model(picked.mlp.model_key)]);
    models = { lr, mlp };
    drawMoved(store.state);
    loadCurve(store.state);
  });

  function drawMoved(s) {
    if (!test) return;
    const i = Math.min(s.img, test.n - 1);
    imageInto(test, i, x);
    shiftInto(x, s.dy, s.dx, s.wrap, moved);
    const story = rowStory(s.row, s.dy, s.dx, s.wrap);
    const shownRow = story.to;
    rowNote.textContent = story.text;
    drawDigit(before, x, 196, s.row);
    drawDigit(after, moved, 196, shownRow);
    drawStrip(stripBefore.canvas, x, 784, 40, s.row);
    drawStrip(stripAfter.canvas, moved, 784, 40, shownRow);
    const answers = {};
    for (const kind of ["lr", "mlp"]) {
      const m = models[kind];
      const p = m ? proba(m, moved) : new Float32Array(10);
      const best = argmax(p);
      answers[kind] = m ? m.classes[best] : null;
      barChart(bars[kind], 300, 170, p, m ? m.classes.map(className) : classNames(), {
        range: [0, 1],
        highlight: m ? best : -1,
        fill: (j) => (m && j === best ? WINNER : OTHER),
      });
      says[kind].textContent = m
        ? `Says ${className(m.classes[best])} (${(100 * p[best]).toFixed(0)}% sure); the ${item()} is ${aClass(test.labels[i])}.`
        : kind === "lr" ? "Train it in chapter 4 to see its answer." : "Train it in chapter 6 to see its answer.";
    }
    const m = models.mlp;
    Object.assign(facts, {
      dy: s.dy,
      dx: s.dx,
      label: test.labels[i],
      lr_pred: answers.lr,
      mlp_pred: answers.mlp,
      mlp_pred0: m ? m.classes[argmax(proba(m, x))] : null,
    });
    ex.check(facts);
    drawCurve(s);
  }

  async function loadCurve(s) {
    const keys = curveKeys().map(([, key]) => key);
    if (keys.length === 0) {
      curveNote.textContent = "Train logistic regression (chapter 4) or the hidden-layer network (chapter 6) to see this curve.";
      drawCurve(s);
      return;
    }
    const id = `${keys.join("|")}:${s.axis}:${s.wrap}`;
    if (!curves.has(id)) {
      const token = ++curveToken;
      curveNote.textContent = phrase("Scoring the models on moved test {items}…");
      try {
        const answer = await shiftCurve(keys, s.axis, s.wrap, SHIFTS);
        curves.set(id, answer);
        if (token !== curveToken) return;
        curveNote.textContent = scoredOn(answer.n_images);
      } catch (err) {
        curveNote.textContent = err.message;
        curveNote.className = "error";
        return;
      }
    }
    drawCurve(store.state);
  }

  function drawCurve(s) {
    const keys = curveKeys();
    const id = `${keys.map(([, key]) => key).join("|")}:${s.axis}:${s.wrap}`;
    const answer = curves.get(id);
    const shown = keys.length ? keys : [["lr"], ["mlp"]];
    curveLegend.replaceChildren(...shown.map(([k]) => lineKey({ ...LINES[k], label: NAMES[k] })), lineKey(MARKER));
    const series = answer
      ? keys.map(([k, key]) => ({
          xs: answer.shifts,
          ys: answer.curves[key],
          color: LINES[k].color,
          dash: LINES[k].dash,
          dots: true,
        }))
      : [];
    const chosen = s.axis === "vertical" ? s.dy : s.dx;
    lineChart(curve, 520, 280, series, {
      xRange: [-CURVE_MAX, CURVE_MAX],
      yRange: [0, 1],
      xLabel: s.axis === "vertical" ? "rows moved down" : "columns moved right",
      yLabel: "test accuracy",
      marker: Math.max(-CURVE_MAX, Math.min(CURVE_MAX, chosen)),
      markerColor: MARKER.color,
    });
    rangeNote.textContent = Math.abs(chosen) > CURVE_MAX
      ? `The move above (${Math.abs(chosen)} ${s.axis === "vertical" ? "rows" : "columns"}) is beyond the curve, which stops at ±${CURVE_MAX}; the grey line waits at the edge.`
      : "";
    const curveOf = (k) => (answer && models[k] ? answer.curves[models[k].summary.model_key] ?? null : null);
    const text = answer ? conclude.shift({ shifts: answer.shifts, lr: curveOf("lr"), mlp: curveOf("mlp"), axis: s.axis, remedy: REMEDY }) : "";
    conclusion.textContent = text;
    conclusion.hidden = !text;
    if (answer) {
      Object.assign(facts, { shifts: answer.shifts, lr: curveOf("lr"), mlp: curveOf("mlp"), axis: s.axis });
      ex.check(facts);
    }
  }

  function update(s, changed) {
    drawMoved(s);
    if (changed.has("axis") || changed.has("wrap")) loadCurve(s);
  }
  return { update };
}

/** "Scored on the first 2,000 test images." from the API's {model key: images scored} (the
 * notebook's widget gives one number). */
export function scoredOn(nImages) {
  if (typeof nImages === "number") return nImages ? `Scored on ${count(nImages)} test images.` : "";
  const counts = [...new Set(Object.values(nImages || {}))];
  if (counts.length === 0) return "";
  if (counts.length === 1) return `Scored on the first ${count(counts[0])} test images.`;
  return `Scored on the first ${counts.map(count).join(" and ")} test images (each model on the classes it knows).`;
}

export default {
  id: 5,
  slug: "shift",
  title: "Why pixel-by-pixel is brittle",
  get lead() {
    return phrase("The same {item}, a few pixels lower, is a different input to the network.");
  },
  fields,
  mount,
};
