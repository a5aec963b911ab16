// The page shell: table of contents, dataset notice, model files, and the router that mounts
// one chapter at a time from the URL hash.
import { ApiError, DATASET, getJSON, upload, withData } from "./api.js";
import cnn from "./chapters/cnn.js";
import draw from "./chapters/draw.js";
import hidden from "./chapters/hidden.js";
import mistakes from "./chapters/mistakes.js";
import neuron from "./chapters/neuron.js";
import pair from "./chapters/pair.js";
import rows from "./chapters/rows.js";
import shift from "./chapters/shift.js";
import sweep from "./chapters/sweep.js";
import ten from "./chapters/ten.js";
import { datasetInfo, forgetModel, modelList } from "./data.js";
import { el } from "./draw.js";
import { formatHash, hashParams, readState, Store } from "./state.js";
import { modelsChanged } from "./training.js";
import { loadWords, modelNamer, tagline } from "./words.js";

// In the order of the story. A chapter's `id` is its number in links (#ch=<id>), kept when a
// chapter joins later: the CNN (id 10) follows the hidden layer and shows as `number` "6b".
const CHAPTERS = [neuron, rows, pair, ten, shift, hidden, cnn, sweep, draw, mistakes];
const LAST_ID = Math.max(...CHAPTERS.map((c) => c.id));
const shownNumber = (ch) => ch.number ?? String(ch.id);
const view = document.getElementById("view");
let current = null;

function buildToc() {
  const toc = document.getElementById("toc");
  for (const ch of CHAPTERS) {
    toc.append(
      el("li", {}, el("a", { href: `#ch=${ch.id}`, "data-ch": ch.id }, el("span", { class: "n", text: shownNumber(ch) }), ch.title)),
    );
  }
}

function route() {
  const params = hashParams(location.hash);
  // The dataset is fixed for the page's life: a link inside the page keeps it in the URL, and
  // a pasted link that names another one reloads the page on that dataset.
  const wanted = params.get("data") || "";
  if (wanted !== DATASET) {
    if (wanted) {
      location.reload();
      return;
    }
    params.set("data", DATASET);
    history.replaceState(null, "", `#${params.toString().replaceAll("%2C", ",")}`);
  }
  const id = Math.min(LAST_ID, Math.max(1, Number.parseInt(params.get("ch") || "1", 10) || 1));
  const chapter = CHAPTERS.find((c) => c.id === id);
  const state = readState(chapter.fields, params);
  if (current && current.chapter === chapter) {
    // Same chapter, new link: apply every field (a pasted or edited URL), which is now the
    // URL the store writes on from.
    current.store.lastHash = location.hash;
    current.store.set(state);
    return;
  }
  // Focus in the old chapter or the chapter list would fall to the page's body with the old
  // chapter: it moves to the new chapter's title instead (not on the first load).
  const active = document.activeElement;
  const moveFocus = current !== null && active && (view.contains(active) || active.closest?.(".toc"));
  current?.view.unmount?.();
  current?.store.dispose();
  view.replaceChildren();
  const store = new Store(id, chapter.fields, state, (s, changed) => current.view.update(s, changed));
  store.lastHash = formatHash(id, chapter.fields, state);
  history.replaceState(null, "", store.lastHash);
  const header = el(
    "header",
    {},
    el("h1", { id: "chapter-title", tabindex: "-1" }, el("span", { class: "n", text: `${shownNumber(chapter)}. ` }), chapter.title),
    el("p", { class: "lead", text: chapter.lead }),
    el("a", { class: "skip", href: "#view", text: "Skip to this chapter's first control", onclick: skipToControls }),
  );
  const root = el("section", { "aria-labelledby": "chapter-title" });
  view.append(header, root);
  current = { chapter, store, view: null };
  current.view = chapter.mount(root, store);
  current.view.update(store.state, new Set(chapter.fields.map((f) => f.name)));
  for (const a of document.querySelectorAll(".toc a")) {
    if (Number(a.dataset.ch) === id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${chapter.title} · Neuron Lab`;
  if (moveFocus) header.querySelector("h1").focus();
}

/**
 * Show one sentence in the notice bar above the page (empty: hide it). A sentence the reader
 * dismissed stays hidden for the rest of the visit; a new one shows again.
 */
function notify(text) {
  const notice = document.getElementById("notice");
  document.getElementById("notice-text").textContent = text || "";
  let dismissed = null;
  try {
    dismissed = sessionStorage.getItem("neuronlab:dismissed");
  } catch {
    // Storage may be off (private windows): the bar can still be closed for this page.
  }
  notice.hidden = !text || text === dismissed;
}

function setupNotice() {
  document.getElementById("notice-dismiss").addEventListener("click", () => {
    const notice = document.getElementById("notice");
    try {
      sessionStorage.setItem("neuronlab:dismissed", document.getElementById("notice-text").textContent);
    } catch {
      // See notify.
    }
    notice.hidden = true;
    view.focus();
  });
}

async function showDataset(retried = false) {
  try {
    const info = await datasetInfo();
    document.getElementById("dataset-name").textContent =
      `${info.description} · ${info.n_train.toLocaleString()} training and ${info.n_test.toLocaleString()} test images`;
    notify(info.notice || "");
    if (retried) location.reload(); // the chapter's first requests met the download: start anew
  } catch (err) {
    // 503: the dataset is still downloading; the sentence says how far. Ask again shortly.
    if (err.status === 503) setTimeout(() => showDataset(true), 2000);
    notify(err.status === 503 ? err.message : `Could not reach the lab's server: ${err.message}`);
  }
}

/**
 * The dataset menu: the datasets the server offers (GET /api/datasets). Choosing one puts it in
 * the URL and reloads, so every view, cache and model list starts on the new data.
 */
async function setupDatasetChoice() {
  const select = document.getElementById("dataset-choice");
  const choices = await getJSON("/api/datasets").catch(() => []);
  select.replaceChildren(...choices.map((c) => el("option", { value: c.name, text: c.label })));
  select.value = choices.some((c) => c.name === DATASET) ? DATASET : "default";
  select.addEventListener("change", () => {
    const params = hashParams(location.hash);
    if (select.value === "default") params.delete("data");
    else params.set("data", select.value);
    // A model picked on one dataset names nothing on another.
    params.delete("model");
    location.hash = params.toString().replaceAll("%2C", ",");
    location.reload();
  });
}

/** The sidebar's model list; it follows the model just trained or uploaded (event.detail.key). */
async function refreshModelFiles(event) {
  const select = document.getElementById("model-download");
  const link = document.getElementById("model-download-link");
  const [list, name] = await Promise.all([modelList().catch(() => []), modelNamer()]);
  const chosen = event?.detail?.key || select.value;
  select.replaceChildren(
    ...list.map((m) =>
      el("option", { value: m.model_key, text: `${name(m)} (${(100 * m.test_accuracy).toFixed(1)}%)` }),
    ),
  );
  if (list.length === 0) select.append(el("option", { value: "", text: "no model trained yet" }));
  if (list.some((m) => m.model_key === chosen)) select.value = chosen;
  const update = () => {
    link.href = select.value ? withData(`/api/models/${encodeURIComponent(select.value)}/file`) : "#";
    link.setAttribute("aria-disabled", select.value ? "false" : "true");
    link.download = `${select.value || "model"}.npz`;
  };
  select.onchange = update;
  update();
}

function setupUpload() {
  const form = document.getElementById("upload-form");
  const status = document.getElementById("upload-status");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = document.getElementById("model-upload").files[0];
    if (!file) {
      status.textContent = "Choose a .npz model file first.";
      return;
    }
    status.textContent = "Uploading…";
    try {
      const summary = await upload("/api/models/upload", file);
      forgetModel(summary.model_key);
      const key = encodeURIComponent(summary.model_key);
      const name = await modelNamer();
      status.replaceChildren(
        `Loaded ${name(summary)} (test accuracy ${(100 * summary.test_accuracy).toFixed(1)}%). `,
        summary.kind !== "logistic" ? el("a", { href: `#ch=${summary.kind === "cnn" ? 10 : 6}&model=${key}`, text: "Look inside it" }) : "",
        summary.kind !== "logistic" ? " · " : "",
        el("a", { href: `#ch=9&model=${key}`, text: "See its mistakes" }),
      );
      modelsChanged(summary.model_key);
    } catch (err) {
      status.textContent = err instanceof ApiError ? err.message : String(err);
    }
  });
}

/** Show a failed request or computation at the top of the page instead of failing silently. */
function showProblem(event) {
  const reason = event.reason ?? event.error;
  notify(reason instanceof ApiError ? reason.message : `Something went wrong: ${reason?.message ?? reason}`);
}

/** The chapter's first control (a slider, box or list), where a keyboard user wants to start. */
function firstControl() {
  return view.querySelector(".controls input, .controls select, .controls textarea") ||
    view.querySelector("button:not(.export), input, select");
}

/**
 * The skip links: to the chapter, and past its prose straight to its first control. They move
 * the focus themselves, since following "#view" would change the URL's chapter.
 */
function setupSkipLinks() {
  for (const link of document.querySelectorAll("a.skip")) {
    link.addEventListener("click", link.dataset.skip === "controls" ? skipToControls : (e) => {
      e.preventDefault();
      view.focus();
    });
  }
}

function skipToControls(e) {
  e.preventDefault();
  const target = firstControl() || view;
  target.focus();
  target.scrollIntoView({ block: "center" });
}

/** On a narrow screen the chapter list folds away behind one button, so a chapter starts at the top. */
function setupTocToggle() {
  const toggle = document.getElementById("toc-toggle");
  const nav = toggle.closest(".toc");
  const set = (open) => {
    nav.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => set(!nav.classList.contains("open")));
  // Picking a chapter folds the list again.
  document.getElementById("toc").addEventListener("click", (e) => {
    if (e.target.closest("a")) set(false);
  });
}

setupTocToggle();
setupNotice();
setupSkipLinks();
window.addEventListener("unhandledrejection", showProblem);
setupUpload();
window.addEventListener("neuronlab:models", refreshModelFiles);
showDataset();
setupDatasetChoice();
// Titles, selectors and sentences name the dataset's classes, so they wait for its names.
loadWords().then(() => {
  document.querySelector(".tagline").textContent = tagline();
  buildToc();
  window.addEventListener("hashchange", route);
  refreshModelFiles();
  route();
});
