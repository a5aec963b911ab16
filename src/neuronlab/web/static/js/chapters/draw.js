// Chapter 8: draw a digit and watch both models read it, the way MNIST digits were prepared.
import { controls, setMax } from "../controls.js";
import { imageInto, model, testSet } from "../data.js";
import { barChart } from "../charts.js";
import { el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { argmax, cnnForward, logisticProba, mlpForward } from "../nn.js";
import { drawDigit, drawUnitOutputs } from "../panels.js";
import { drawingPad } from "../drawpad.js";
import { pickModels } from "../training.js";
import { exercises } from "../exercises.js";
import { OTHER, WINNER } from "../palette.js";
import { className, classNames, isDigits, item, phrase } from "../words.js";

const fields = [{ name: "img", type: "int", default: 0, min: 0, max: 9999, control: "number", label: "test image to start from" }];
const PAD = 280;
const STROKE = 22;

function mount(root, store) {
  let models = { lr: null, mlp: null, cnn: null };
  let test = null;
  const drawing = drawingPad({
    size: PAD,
    stroke: STROKE,
    label: phrase("drawing pad: draw {a item} with the mouse, a pen or a finger"),
    onStroke: (t0) => store.set({}, { kind: "draw", t0 }),
  });
  const pad = drawing.canvas;
  const seen = makeCanvas(168, 168, "the drawing as the network sees it");
  const bars = { lr: makeCanvas(300, 170, "logistic regression's answer"), mlp: makeCanvas(300, 170, "the network's answer"), cnn: makeCanvas(300, 170, "the convolutional network's answer") };
  const says = { lr: el("p", { class: "note" }), mlp: el("p", { class: "note" }), cnn: el("p", { class: "note" }) };
  const units = makeCanvas(300, 60, "hidden units' outputs");
  const verdict = { lr: el("span", { class: "v num", text: "–" }), mlp: el("span", { class: "v num", text: "–" }), cnn: el("span", { class: "v num", text: "–" }) };
  // The CNN of chapter 6b joins the readouts once one is trained; the browser runs it per frame.
  const cnnReadout = el("div", { hidden: true }, el("span", { class: "k", text: "CNN" }), verdict.cnn);
  const cnnFig = figure({ title: "Convolutional network (chapter 6b)", canvas: bars.cnn, name: "draw-predictions-cnn", legend: says.cnn, note: "Orange bar: its answer; grey bars: the other classes." });
  cnnFig.hidden = true;
  const x = new Float32Array(784);

  const fromTest = () => {
    if (!test) return;
    imageInto(test, Math.min(store.get("img"), test.n - 1), x);
    drawing.drawImage(x);
    store.set({}, { kind: "load", t0: performance.now() });
  };

  const clearButton = el("button", {
    type: "button",
    class: "secondary",
    text: "Clear",
    onclick: () => {
      drawing.clear();
      store.set({}, { kind: "clear", t0: performance.now() });
    },
  });
  root.append(
    el("p", { class: "prose", text: phrase("Draw {a item} in the black square. Before the models see it, the drawing gets the same treatment as the MNIST digits: cut to its bounding box, shrunk to fit 20 × 20 pixels without changing its shape, and placed in a 28 × 28 image with its centre of mass in the middle.") }),
    el("div", { class: "figs" },
      figure({ title: "Draw here", canvas: pad, name: "draw-pad", legend: el("div", { class: "row-actions" }, clearButton) }),
      el("div", {},
        figure({ title: "What the network sees", canvas: seen, name: "draw-28x28", tight: true, legend: LEGENDS.pixelsShort() }),
        el("div", { class: "readout" },
          el("div", {}, el("span", { class: "k", text: "logistic regression" }), verdict.lr),
          el("div", {}, el("span", { class: "k", text: "network" }), verdict.mlp),
          cnnReadout)),
      figure({ title: "Hidden units' outputs", canvas: units, name: "draw-hidden-outputs", legend: LEGENDS.outputs() })),
    el("div", { class: "figs" },
      figure({ title: "Logistic regression", canvas: bars.lr, name: "draw-predictions-lr", legend: says.lr, note: "Orange bar: its answer; grey bars: the other classes." }),
      figure({ title: "Hidden-layer network", canvas: bars.mlp, name: "draw-predictions-mlp", legend: says.mlp, note: "Orange bar: its answer; grey bars: the other classes." }),
      cnnFig),
    el("p", { class: "prose", text: phrase("No mouse or touch screen? Start from a test {item} instead, then change it by drawing.") }),
    controls(store, ["img"], el("button", { type: "button", class: "secondary", text: phrase("Put this test {item} on the pad"), onclick: fromTest })),
    exercises("draw", store).element,
  );

  Promise.all([testSet(), pickModels()]).then(async ([t, picked]) => {
    test = t;
    setMax(root, "img", t.n - 1);
    const [lr, mlp, cnn] = await Promise.all([picked.lr && model(picked.lr.model_key), picked.mlp && model(picked.mlp.model_key), picked.cnn && model(picked.cnn.model_key)]);
    models = { lr, mlp, cnn: cnn || null };
    cnnReadout.hidden = !models.cnn;
    cnnFig.hidden = !models.cnn;
    update();
  });

  function update() {
    const ok = drawing.read(x);
    if (!ok) x.fill(0);
    drawDigit(seen, x, 168);
    const out = { lr: models.lr && ok ? logisticProba(models.lr, x) : null, mlp: null, cnn: models.cnn && ok ? cnnForward(models.cnn, x).probs : null };
    let hidden = null;
    if (models.mlp && ok) {
      const f = mlpForward(models.mlp, x);
      out.mlp = f.probs;
      hidden = f.hidden;
    }
    for (const kind of models.cnn ? ["lr", "mlp", "cnn"] : ["lr", "mlp"]) {
      const p = out[kind] || new Float32Array(10);
      const best = argmax(p);
      barChart(bars[kind], 300, 170, p, classNames(), {
        range: [0, 1],
        highlight: out[kind] ? best : -1,
        fill: (j) => (out[kind] && j === best ? WINNER : OTHER),
      });
      says[kind].textContent = !models[kind]
        ? `Not trained yet: train it in chapter ${kind === "lr" ? 4 : 6}.`
        : out[kind] ? `Says ${className(best)} (${(100 * p[best]).toFixed(0)}% sure).` : "Waiting for a drawing.";
      verdict[kind].textContent = out[kind] ? className(best) : "–";
    }
    drawUnitOutputs(units, hidden, models.mlp ? models.mlp.hidden : 0);
  }
  return { update };
}

export default {
  id: 8,
  slug: "draw",
  get title() {
    return isDigits() ? "Draw a digit" : "Draw an image";
  },
  get lead() {
    return isDigits()
      ? "Your own handwriting, prepared like MNIST and read by both models."
      : "Your own drawing, prepared the way MNIST's images were and read by both models.";
  },
  fields,
  mount,
};
