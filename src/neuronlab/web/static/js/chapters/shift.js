// Chapter 5: move a digit a few pixels and a pixel-by-pixel model loses its way.
import { controls, setMax } from "../controls.js";
import { imageInto, model, shiftCurve, testSet } from "../data.js";
import { barChart, lineChart } from "../charts.js";
import { el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { argmax, proba, shiftInto } from "../nn.js";
import { drawDigit, drawStrip, stripFigure } from "../panels.js";
import { pickModels } from "../training.js";

const fields = [
  { name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" },
  { name: "dy", type: "int", default: 0, min: -14, max: 14, label: "move down (rows)" },
  { name: "dx", type: "int", default: 0, min: -14, max: 14, label: "move right (columns)" },
  { name: "wrap", type: "bool", default: true, label: "wrap around the edges" },
  { name: "row", type: "int", default: 14, min: 0, max: 27, label: "highlighted row" },
  { name: "axis", type: "enum", default: "vertical", options: ["vertical", "horizontal"], label: "curve: shift direction" },
];
const SHIFTS = Array.from({ length: 17 }, (_, i) => i - 8);
const COLORS = { lr: "#1f5fa8", mlp: "#b2182b" };

function mount(root, store) {
  let test = null;
  let models = { lr: null, mlp: null };
  let curveToken = 0;
  const curves = new Map();
  const x = new Float32Array(784);
  const moved = new Float32Array(784);
  const before = makeCanvas(196, 196, "the original digit");
  const after = makeCanvas(196, 196, "the moved digit");
  const stripBefore = stripFigure("Original as a strip", "shift-strip-original", LEGENDS.pixels());
  const stripAfter = stripFigure("Moved digit as a strip", "shift-strip-moved", LEGENDS.pixels());
  const bars = { lr: makeCanvas(300, 170, "logistic regression's answer"), mlp: makeCanvas(300, 170, "the hidden-layer network's answer") };
  const says = { lr: el("p", { class: "note" }), mlp: el("p", { class: "note" }) };
  const curve = makeCanvas(520, 280, "test accuracy against shift");
  const curveNote = el("p", { class: "status", role: "status" });
  const rowNote = el("p", { class: "status" });

  root.append(
    el("p", { class: "prose", text: "Our models look at each pixel separately: weight 300 only ever sees pixel 300. Move the same digit down by two rows and every one of its pixels lands on a different weight, so the model sees a different input. Watch the highlighted row travel along the strip." }),
    controls(store, ["img", "dy", "dx", "wrap", "row"]),
    rowNote,
    el("div", { class: "figs" },
      figure({ title: "Original", canvas: before, name: "shift-original", legend: LEGENDS.pixels() }),
      figure({ title: "Moved", canvas: after, name: "shift-moved", legend: LEGENDS.pixels(), note: "Wrapping puts what falls off one edge back on the opposite edge; without it, the gap fills with black." }),
      figure({ title: "Logistic regression (10 neurons)", canvas: bars.lr, name: "shift-predictions-lr", legend: says.lr }),
      figure({ title: "Hidden-layer network", canvas: bars.mlp, name: "shift-predictions-mlp", legend: says.mlp })),
    stripBefore.fig,
    stripAfter.fig,
    el("h2", { text: "Accuracy on moved test digits" }),
    el("p", { class: "prose", text: "Every test digit moved by the same amount, then scored. The orange line marks the shift chosen above." }),
    controls(store, ["axis"]),
    el("div", { class: "figs" }, figure({ title: "Test accuracy against shift", canvas: curve, name: "shift-accuracy-curve" })),
    curveNote,
  );

  Promise.all([testSet(), pickModels()]).then(async ([t, picked]) => {
    test = t;
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
    const movedRow = s.row + s.dy;
    const shownRow = s.wrap ? ((movedRow % 28) + 28) % 28 : movedRow >= 0 && movedRow < 28 ? movedRow : null;
    rowNote.textContent = shownRow === null
      ? `Row ${s.row} was pushed off the image.`
      : `Row ${s.row} of the original is now row ${shownRow}: its pixels moved from inputs ${s.row * 28}–${s.row * 28 + 27} to ${shownRow * 28}–${shownRow * 28 + 27}.`;
    drawDigit(before, x, 196, s.row);
    drawDigit(after, moved, 196, shownRow);
    drawStrip(stripBefore.canvas, x, 784, 40, s.row);
    drawStrip(stripAfter.canvas, moved, 784, 40, shownRow);
    for (const kind of ["lr", "mlp"]) {
      const m = models[kind];
      const p = m ? proba(m, moved) : new Float32Array(10);
      const best = argmax(p);
      barChart(bars[kind], 300, 170, p, m ? m.classes.map(String) : "0123456789".split(""), {
        range: [0, 1],
        highlight: m ? best : -1,
        fill: (j) => (m && j === best ? COLORS[kind] : "#b9c0c8"),
      });
      says[kind].textContent = m
        ? `Says ${m.classes[best]} (${(100 * p[best]).toFixed(0)}% sure); the digit is a ${test.labels[i]}.`
        : kind === "lr" ? "Train it in chapter 4 to see its answer." : "Train it in chapter 6 to see its answer.";
    }
    drawCurve(s);
  }

  async function loadCurve(s) {
    const keys = ["lr", "mlp"].filter((k) => models[k]).map((k) => models[k].summary.model_key);
    if (keys.length === 0) {
      curveNote.textContent = "Train logistic regression (chapter 4) or the hidden-layer network (chapter 6) to see this curve.";
      drawCurve(s);
      return;
    }
    const id = `${keys.join("|")}:${s.axis}:${s.wrap}`;
    if (!curves.has(id)) {
      const token = ++curveToken;
      curveNote.textContent = "Scoring the models on moved test digits…";
      try {
        const answer = await shiftCurve(keys, s.axis, s.wrap, SHIFTS);
        curves.set(id, answer);
        if (token !== curveToken) return;
        curveNote.textContent = answer.n_images ? `Scored on ${answer.n_images.toLocaleString()} test digits.` : "";
      } catch (err) {
        curveNote.textContent = err.message;
        curveNote.className = "error";
        return;
      }
    }
    drawCurve(store.state);
  }

  function drawCurve(s) {
    const keys = ["lr", "mlp"].filter((k) => models[k]);
    const id = `${keys.map((k) => models[k].summary.model_key).join("|")}:${s.axis}:${s.wrap}`;
    const answer = curves.get(id);
    const series = answer
      ? keys.map((k) => ({
          xs: answer.shifts,
          ys: answer.curves[models[k].summary.model_key],
          color: COLORS[k],
          label: k === "lr" ? "logistic regression" : "hidden-layer network",
          dots: true,
        }))
      : [];
    lineChart(curve, 520, 280, series, {
      xRange: [-8, 8],
      yRange: [0, 1],
      xLabel: s.axis === "vertical" ? "rows moved down" : "columns moved right",
      yLabel: "test accuracy",
      marker: Math.max(-8, Math.min(8, s.axis === "vertical" ? s.dy : s.dx)),
    });
  }

  function update(s, changed) {
    drawMoved(s);
    if (changed.has("axis") || changed.has("wrap")) loadCurve(s);
  }
  return { update };
}

export default {
  id: 5,
  slug: "shift",
  title: "Why pixel-by-pixel is brittle",
  lead: "The same digit, a few pixels lower, is a different input to the network.",
  fields,
  mount,
};
