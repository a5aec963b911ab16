// The exercises under each chapter, read from lessons/exercises.json (the notebook builder reads
// the same file): a question, its answer in a <details class="exercise">, and for some a line
// that says, live, whether the state on screen solves it.
//
// In a chapter's mount:      const ex = exercises("shift", store);  root.append(ex.element);
// whenever its numbers change: ex.check(facts)
// A chapter that only appended `exercises(slug, store).element` passes its numbers instead
// with checkExercises(slug, facts), or by dispatching a bubbling "neuronlab:facts"
// CustomEvent (detail: facts) from an element that contains the exercises (its root).
// The facts each chapter passes, all optional:
//   neuron   {output, x: [5], w: [5]}
//   rows     {counts: [per class], class_names}
//   pair     {a, b, test_accuracy, n_test}
//   ten      {test_accuracy, n_test}
//   shift    {dy, dx, label, lr_pred, mlp_pred, mlp_pred0, shifts, lr, mlp, axis}
//   hidden   {test_accuracy, lr_test_accuracy, n_test, n_errors, lr_n_errors, hidden}
//   sweep    {results: [{hidden, seed, train_accuracy, test_accuracy}], lr_test_accuracy}
// checks.js says what each self-check reads; conclusions.js what each conclusion needs.
//
// Links: the hash field ex=<id> (kept by state.js across the page's own hash rewrites) opens
// that exercise and scrolls to it; every exercise offers such a link for a teacher to share.
import { datasetInfo } from "./data.js";
import { el } from "./draw.js";
import { DERIVE, fill, runCheck } from "./checks.js";
import { hashParams } from "./state.js";

let lessons = null;
const load = () => {
  lessons ??= fetch(new URL("../lessons/exercises.json", import.meta.url)).then((r) => {
    if (!r.ok) throw new Error(`The lab's exercises could not be loaded (HTTP ${r.status}).`);
    return r.json();
  });
  return lessons;
};

/** The live exercise blocks, by chapter slug (the chapter on screen). */
const live = new Map();

/** True when the data are not digits (Fashion-MNIST): a few answers have their own wording. */
const isFashion = (info) => info.name === "fashion-mnist" || (info.class_names && info.class_names[0] !== "0");

/** Open the exercise the URL names (ex=<id>), if it belongs to a chapter on screen. */
function openFromHash() {
  const id = hashParams(location.hash).get("ex");
  if (!id) return;
  for (const block of live.values()) block.open(id);
}
window.addEventListener("hashchange", openFromHash);
window.addEventListener("neuronlab:facts", (event) => {
  for (const block of live.values()) {
    if (event.target instanceof Node && event.target.contains(block.element)) block.check(event.detail || {});
  }
});

/** The hash of the current view with ex=<id> added (or replaced). */
function linkTo(id) {
  const params = hashParams(location.hash);
  params.set("ex", id);
  return `#${params.toString().replaceAll("%2C", ",")}`;
}

/** One chapter's exercises: {element, check(facts)}. */
export function exercises(slug, store) {
  // A notebook widget (its store has no chapter number) shows the exercises in its own cells.
  if (!store.ch) return { element: el("div", { hidden: true }), check() {} };
  const element = el("section", { class: "exercises", "aria-labelledby": `ex-title-${slug}` });
  let facts = {};
  let blocks = [];
  const block = {
    element,
    open(id) {
      const found = blocks.find((b) => b.id === id);
      if (!found) return;
      found.details.open = true;
      found.details.scrollIntoView({ block: "center" });
      found.details.querySelector("summary").focus({ preventScroll: true });
    },
  };
  live.set(slug, block);

  const refresh = () => {
    if (!element.isConnected && blocks.length) {
      if (live.get(slug) === block) live.delete(slug);
      return;
    }
    const values = { ...(DERIVE[slug]?.(facts) ?? {}) };
    for (const b of blocks) {
      for (const [node, template] of b.texts) {
        const text = fill(template, values);
        if (node.textContent !== text) node.textContent = text;
      }
      if (b.status) {
        const { solved, text } = runCheck(b.check, facts);
        const shown = `${solved ? "✓" : "○"} ${text}`;
        if (b.status.textContent !== shown) b.status.textContent = shown;
        b.line.classList.toggle("solved", solved);
        b.details.dataset.solved = String(solved);
      }
    }
  };

  Promise.all([load(), datasetInfo().catch(() => ({}))]).then(([all, info]) => {
    const chapter = all.chapters[slug];
    if (!chapter) return;
    const fashion = isFashion(info);
    element.append(
      el("h2", { id: `ex-title-${slug}`, text: "Exercises" }),
      chapter.intro ? el("p", { class: "prose", text: chapter.intro }) : null,
    );
    blocks = chapter.exercises.map((ex, i) => {
      const words = { ...ex, ...(fashion ? ex.fashion : {}) };
      const summary = el("summary", {});
      const texts = [[summary, `${i + 1}. ${words.question}`]];
      const answer = words.answer.split("\n\n").map((para) => {
        const p = el("p");
        texts.push([p, para]);
        return p;
      });
      const link = el("a", { class: "ex-link", href: linkTo(ex.id), text: "Link to this exercise" });
      const setLink = () => link.setAttribute("href", linkTo(ex.id));
      for (const e of ["focus", "pointerenter", "click"]) link.addEventListener(e, setLink);
      const details = el("details", { class: "exercise", id: `ex-${ex.id}`, "data-ex": ex.id, "data-from": ex.from },
        summary,
        ex.check ? el("p", { class: "ex-goal", text: `This one checks itself. ${ex.goal}` }) : null,
        answer,
        el("p", { class: "ex-meta" }, el("span", { class: "tag", text: ex.from === "module" ? "from the course" : "added by the lab" }), " ", link));
      const b = { id: ex.id, details, texts, check: ex.check };
      element.append(details);
      if (ex.check) {
        b.status = el("span", { role: "status" });
        b.line = el("p", { class: "ex-check", "data-check": ex.check }, b.status);
        element.append(b.line);
      }
      return b;
    });
    refresh();
    const wanted = hashParams(location.hash).get("ex");
    if (wanted) block.open(wanted);
  }).catch((err) => {
    element.replaceChildren(el("p", { class: "error", text: err.message }));
  });

  /** Give the exercises the chapter's current numbers: answers and self-checks follow. */
  block.check = (next) => {
    facts = { ...facts, ...next };
    refresh();
  };
  return { element, check: block.check };
}

/** For chapters that only appended the element: pass the numbers by chapter slug. */
export function checkExercises(slug, facts) {
  live.get(slug)?.check(facts);
}

/** A chapter's short story paragraph from the same file (chapters 4 and 6 place it). */
export function narrative(slug) {
  const p = el("p", { class: "prose narrative" });
  load().then((all) => {
    p.textContent = all.narrative?.[slug] ?? "";
  }).catch(() => {});
  return p;
}
