// Chapter 9: click a cell of a confusion matrix to see those test images and how sure the model was.
// The matrix is counted here from the same predictions the gallery lists, so a cell's number is
// always the number of images it opens, whatever the model's classes.
import { modelList, model, predictions, testSet } from "../data.js";
import { CONFUSION_NOTE, confusionTable } from "../confusion.js";
import { confusion } from "../confusionmath.js";
import { el, figure, thumbnail } from "../draw.js";
import { argmax } from "../nn.js";
import { exercises } from "../exercises.js";
import { className, items, modelNamer, noun, phrase } from "../words.js";

const fields = [
  { name: "model", type: "str", default: "", label: "model" },
  { name: "t", type: "int", default: 4, min: 0, max: 9, get label() { return `true ${noun()}`; } },
  { name: "p", type: "int", default: 9, min: 0, max: 9, get label() { return `predicted ${noun()}`; } },
];
const SHOWN = 120;

/**
 * Each test image's predicted class index and confidence, from the API's predictions: row r is
 * test image r (every image is predicted, also those of classes the model does not know).
 */
export function answers(pred, n) {
  const best = new Int32Array(n);
  const sure = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const probs = pred.data.subarray(r * pred.k, (r + 1) * pred.k);
    best[r] = argmax(probs);
    sure[r] = probs[best[r]];
  }
  return { best, sure };
}

function mount(root, store) {
  let seq = 0;
  const select = el("select", { id: "mistakes-model" });
  const holder = el("div");
  const gallery = el("div", { class: "thumbs", role: "list" });
  // Focus moves here when a cell is opened, so a keyboard user lands on what they asked for.
  const title = el("h2", { tabindex: "-1", id: "mistakes-gallery" });
  let focusGallery = false;
  const answered = new WeakMap(); // per loaded predictions, so a retrained model is recounted
  const status = el("p", { class: "status", role: "status" });
  let render = () => document.createElement("canvas");
  select.addEventListener("change", () => store.set({ model: select.value }, { kind: "model", t0: performance.now() }));

  root.append(
    el("p", { class: "prose", text: phrase("A confusion matrix counts how often each true {noun} (row) was given each answer (column); the diagonal holds the correct answers. Click any cell to see the test images behind that number, most confident first. Many mistakes are {items} a person would hesitate over, too.") }),
    el("div", { class: "controls" }, el("div", { class: "ctl" }, el("label", { for: "mistakes-model", text: "model" }), select)),
    status,
    el("div", { class: "figs" },
      figure({ title: phrase("Confusion matrix on the test {items}"), canvas: holder, name: "mistakes-confusion", note: CONFUSION_NOTE, render: () => render() }),
      el("section", { class: "gallery" }, title, gallery)),
    exercises("mistakes", store).element,
  );

  async function update(s) {
    const token = ++seq;
    const [list, test, name] = await Promise.all([modelList(), testSet(), modelNamer()]);
    if (token !== seq) return;
    select.replaceChildren(...list.map((m) => el("option", { value: m.model_key, text: `${name(m)} (${(100 * m.test_accuracy).toFixed(1)}%)` })));
    if (list.length === 0) {
      status.textContent = "No model is trained yet: train one in chapters 3, 4 or 6, or load a model file.";
      return;
    }
    if (!list.some((m) => m.model_key === s.model)) {
      const ten = list.find((m) => m.classes.length === 10) || list[0];
      store.set({ model: ten.model_key });
      return;
    }
    select.value = s.model;
    const [m, pred] = await Promise.all([model(s.model), predictions(s.model)]);
    if (token !== seq) return;
    const classes = m.classes;
    const n = Math.min(pred.n, test.n);
    if (!answered.has(pred)) answered.set(pred, answers(pred, n));
    const { best, sure } = answered.get(pred);
    const counted = confusion(test.labels.subarray(0, n), best, classes);
    const ti = classes.indexOf(s.t);
    const pi = classes.indexOf(s.p);
    if (ti < 0 || pi < 0) {
      store.set(worstCell(counted.confusion, classes));
      return;
    }
    const conf = confusionTable(counted.confusion, classes.map(className), (i, j) => {
      // The cell already open changes no state and draws nothing: take the focus there now.
      if (classes[i] === store.get("t") && classes[j] === store.get("p")) {
        title.focus();
        return;
      }
      focusGallery = true;
      store.set({ t: classes[i], p: classes[j] }, { kind: "cell", t0: performance.now() });
    });
    render = conf.render;
    const buttons = conf.table.querySelectorAll("button");
    buttons[ti * classes.length + pi].setAttribute("aria-pressed", "true");
    holder.replaceChildren(conf.table);
    const scored = counted.confusion.flat().reduce((a, b) => a + b, 0);
    status.textContent = `${name(m.summary)}: test accuracy ${(100 * counted.test_accuracy).toFixed(1)}% on ${scored.toLocaleString("en")} test ${items()}${n < test.n || pred.n < test.n ? " (the first ones the page holds)" : ""}.`;
    const hits = [];
    for (let i = 0; i < n; i++) {
      if (test.labels[i] === s.t && classes[best[i]] === s.p) hits.push({ i, conf: sure[i] });
    }
    hits.sort((a, b) => b.conf - a.conf);
    const images = hits.length === 1 ? "test image" : "test images";
    title.textContent = s.t === s.p
      ? `${hits.length} ${images} of ${className(s.t)}, correctly recognised`
      : `${hits.length} ${images} of ${className(s.t)} taken for ${className(s.p)}`;
    gallery.replaceChildren(...hits.slice(0, SHOWN).map(({ i, conf: c }) =>
      el("figure", { role: "listitem" }, thumbnail(test, i), el("figcaption", { text: `#${i} · ${(100 * c).toFixed(0)}%` }))));
    if (hits.length > SHOWN) gallery.append(el("p", { class: "status", text: `…and ${hits.length - SHOWN} more.` }));
    if (focusGallery) {
      focusGallery = false;
      title.focus();
    }
  }
  return { update };
}

/** The off-diagonal cell with the most images, as {t, p} digits. */
function worstCell(confusion, classes) {
  let best = { t: classes[0], p: classes[1 % classes.length], n: -1 };
  confusion.forEach((row, i) => row.forEach((n, j) => {
    if (i !== j && n > best.n) best = { t: classes[i], p: classes[j], n };
  }));
  return { t: best.t, p: best.p };
}

export default {
  id: 9,
  slug: "mistakes",
  title: "Mistakes",
  get lead() {
    return phrase("Which {items} fool the models, and how sure were they?");
  },
  fields,
  mount,
};
