// The page shell: table of contents, dataset notice, model files, and the router that mounts
// one chapter at a time from the URL hash.
import { ApiError, upload } from "./api.js";
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
import { loadWords, tagline } from "./words.js";

const CHAPTERS = [neuron, rows, pair, ten, shift, hidden, sweep, draw, mistakes];
const view = document.getElementById("view");
let current = null;

function buildToc() {
  const toc = document.getElementById("toc");
  for (const ch of CHAPTERS) {
    toc.append(
      el("li", {}, el("a", { href: `#ch=${ch.id}`, "data-ch": ch.id }, el("span", { class: "n", text: ch.id }), ch.title)),
    );
  }
}

function route() {
  const params = hashParams(location.hash);
  const id = Math.min(CHAPTERS.length, Math.max(1, Number.parseInt(params.get("ch") || "1", 10) || 1));
  const chapter = CHAPTERS[id - 1];
  const state = readState(chapter.fields, params);
  if (current && current.chapter === chapter) {
    // Same chapter, new link: apply every field (a pasted or edited URL), which is now the
    // URL the store writes on from.
    current.store.lastHash = location.hash;
    current.store.set(state);
    return;
  }
  current?.view.unmount?.();
  current?.store.dispose();
  view.replaceChildren();
  const store = new Store(id, chapter.fields, state, (s, changed) => current.view.update(s, changed));
  store.lastHash = formatHash(id, chapter.fields, state);
  history.replaceState(null, "", store.lastHash);
  const header = el(
    "header",
    {},
    el("h1", {}, el("span", { class: "n", text: `${id}. ` }), chapter.title),
    el("p", { class: "lead", text: chapter.lead }),
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
}

async function showDataset(retried = false) {
  const notice = document.getElementById("notice");
  try {
    const info = await datasetInfo();
    document.getElementById("dataset-name").textContent =
      `${info.description} · ${info.n_train.toLocaleString()} training and ${info.n_test.toLocaleString()} test images`;
    notice.textContent = info.notice || "";
    notice.hidden = !info.notice;
    if (retried) location.reload(); // the chapter's first requests met the download: start anew
  } catch (err) {
    // 503: the dataset is still downloading; the sentence says how far. Ask again shortly.
    if (err.status === 503) setTimeout(() => showDataset(true), 2000);
    notice.textContent = err.status === 503 ? err.message : `Could not reach the lab's server: ${err.message}`;
    notice.hidden = false;
  }
}

/** The sidebar's model list; it follows the model just trained or uploaded (event.detail.key). */
async function refreshModelFiles(event) {
  const select = document.getElementById("model-download");
  const link = document.getElementById("model-download-link");
  const list = await modelList().catch(() => []);
  const chosen = event?.detail?.key || select.value;
  select.replaceChildren(
    ...list.map((m) =>
      el("option", { value: m.model_key, text: `${m.model_key} (${(100 * m.test_accuracy).toFixed(1)}%)` }),
    ),
  );
  if (list.length === 0) select.append(el("option", { value: "", text: "no model trained yet" }));
  if (list.some((m) => m.model_key === chosen)) select.value = chosen;
  const update = () => {
    link.href = select.value ? `/api/models/${encodeURIComponent(select.value)}/file` : "#";
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
      status.replaceChildren(
        `Loaded ${summary.model_key} (test accuracy ${(100 * summary.test_accuracy).toFixed(1)}%). `,
        summary.kind === "mlp" ? el("a", { href: `#ch=6&model=${key}`, text: "Look inside it" }) : "",
        summary.kind === "mlp" ? " · " : "",
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
  const notice = document.getElementById("notice");
  const reason = event.reason ?? event.error;
  notice.textContent = reason instanceof ApiError ? reason.message : `Something went wrong: ${reason?.message ?? reason}`;
  notice.hidden = false;
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
window.addEventListener("unhandledrejection", showProblem);
setupUpload();
window.addEventListener("neuronlab:models", refreshModelFiles);
showDataset();
// Titles, selectors and sentences name the dataset's classes, so they wait for its names.
loadWords().then(() => {
  document.querySelector(".tagline").textContent = tagline();
  buildToc();
  window.addEventListener("hashchange", route);
  refreshModelFiles();
  route();
});
