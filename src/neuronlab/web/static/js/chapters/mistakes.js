// Chapter 9: click a cell of a confusion matrix to see those test images and how sure the model was.
import { modelList, model, predictions, testSet } from "../data.js";
import { CONFUSION_NOTE, confusionTable } from "../confusion.js";
import { el, figure, thumbnail } from "../draw.js";
import { argmax } from "../nn.js";
import { exercises } from "../exercises.js";

const fields = [
  { name: "model", type: "str", default: "", label: "model" },
  { name: "t", type: "int", default: 4, min: 0, max: 9, label: "true digit" },
  { name: "p", type: "int", default: 9, min: 0, max: 9, label: "predicted digit" },
];
const SHOWN = 120;

function mount(root, store) {
  let seq = 0;
  const select = el("select", { id: "mistakes-model" });
  const holder = el("div");
  const gallery = el("div", { class: "thumbs", role: "list" });
  const title = el("h2");
  const status = el("p", { class: "status", role: "status" });
  let render = () => document.createElement("canvas");
  select.addEventListener("change", () => store.set({ model: select.value }, { kind: "model", t0: performance.now() }));

  root.append(
    el("p", { class: "prose", text: "A confusion matrix counts how often each true digit (row) was given each answer (column); the diagonal holds the correct answers. Click any cell to see the test images behind that number, most confident first. Many mistakes are digits a person would hesitate over, too." }),
    el("div", { class: "controls" }, el("div", { class: "ctl" }, el("label", { for: "mistakes-model", text: "model" }), select)),
    status,
    el("div", { class: "figs" },
      figure({ title: "Confusion matrix on the test digits", canvas: holder, name: "mistakes-confusion", note: CONFUSION_NOTE, render: () => render() }),
      el("section", { class: "gallery" }, title, gallery)),
    exercises("mistakes", store).element,
  );

  async function update(s) {
    const token = ++seq;
    const [list, test] = await Promise.all([modelList(), testSet()]);
    if (token !== seq) return;
    select.replaceChildren(...list.map((m) => el("option", { value: m.model_key, text: `${m.model_key} (${(100 * m.test_accuracy).toFixed(1)}%)` })));
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
    const ti = classes.indexOf(s.t);
    const pi = classes.indexOf(s.p);
    if (ti < 0 || pi < 0) {
      store.set(worstCell(m.summary.confusion, classes));
      return;
    }
    const conf = confusionTable(m.summary.confusion, classes.map(String), (i, j) => store.set({ t: classes[i], p: classes[j] }, { kind: "cell", t0: performance.now() }));
    render = conf.render;
    const buttons = conf.table.querySelectorAll("button");
    buttons[ti * classes.length + pi].setAttribute("aria-pressed", "true");
    holder.replaceChildren(conf.table);
    status.textContent = `${m.summary.model_key}: test accuracy ${(100 * m.summary.test_accuracy).toFixed(1)}%.`;
    const rows = rowsToImages(pred.n, test, classes);
    const hits = [];
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      if (test.labels[i] !== s.t) continue;
      const probs = pred.data.subarray(r * pred.k, (r + 1) * pred.k);
      const best = argmax(probs);
      if (classes[best] === s.p) hits.push({ i, conf: probs[best] });
    }
    hits.sort((a, b) => b.conf - a.conf);
    const images = hits.length === 1 ? "test image" : "test images";
    title.textContent = s.t === s.p
      ? `${hits.length} ${images} of ${s.t}, correctly recognised`
      : `${hits.length} ${images} of ${s.t} taken for ${s.p}`;
    gallery.replaceChildren(...hits.slice(0, SHOWN).map(({ i, conf: c }) =>
      el("figure", { role: "listitem" }, thumbnail(test, i), el("figcaption", { text: `#${i} · ${(100 * c).toFixed(0)}%` }))));
    if (hits.length > SHOWN) gallery.append(el("p", { class: "status", text: `…and ${hits.length - SHOWN} more.` }));
  }
  return { update };
}

/** Test-image index of each prediction row: all images, or only those of the model's classes. */
function rowsToImages(n, test, classes) {
  if (n === test.n && classes.length === 10) return Array.from({ length: n }, (_, i) => i);
  if (n === test.n) return Array.from({ length: n }, (_, i) => i).filter((i) => classes.includes(test.labels[i]));
  const rows = [];
  for (let i = 0; i < test.n && rows.length < n; i++) if (classes.includes(test.labels[i])) rows.push(i);
  return rows;
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
  lead: "Which digits fool the models, and how sure were they?",
  fields,
  mount,
};
