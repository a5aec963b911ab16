// One hidden unit opened: its weight map large, the test images that drive it hardest and those
// it ignores most, its outgoing weights (its votes for each output) and its activation on the
// current image. The course's walk-through of one unit, for any unit of any network.
import { barChart } from "./charts.js";
import { absMax, cssColor, RED_BLUE } from "./colormaps.js";
import { el, figure, LEGENDS, makeCanvas, sizeCanvas, Raster, thumbnail } from "./draw.js";
import { activation, mlpBatch } from "./nn.js";

const SHOWN = 9;
const raster = new Raster();

/** The two strongest positive and negative votes of unit j, as a sentence. */
export function votesSentence(W1, h, k, j, names) {
  if (k === 1) {
    const w = W1[j];
    return `It votes for ${names[w >= 0 ? 1 : 0]} (its weight to the output is ${w.toFixed(2)}).`;
  }
  const votes = Array.from({ length: k }, (_, c) => ({ c, w: W1[j * k + c] }));
  const byW = [...votes].sort((a, b) => b.w - a.w);
  const s = absMax(votes.map((v) => v.w));
  // Only votes at least half the strongest one count as "for" or "against".
  const pros = byW.filter((v) => v.w > 0.5 * s).slice(0, 3).map((v) => names[v.c]);
  const cons = byW.reverse().filter((v) => v.w < -0.5 * s).slice(0, 3).map((v) => names[v.c]);
  const list = (xs) => (xs.length > 1 ? `${xs.slice(0, -1).join(", ")} and ${xs.at(-1)}` : xs[0]);
  if (pros.length && cons.length) return `It votes for ${list(pros)}, and against ${list(cons)}.`;
  if (pros.length) return `It votes for ${list(pros)}; its other votes are weak.`;
  return `It votes against ${list(cons)}; its other votes are weak.`;
}

/**
 * {element, show(m, j, {test, sparse, index, x, names}), hide()} where m is a loaded MLP (or its
 * snapshot at an epoch), j the unit, `index` and `x` the current test image. `onClose()` is called
 * by the close button and Escape.
 */
export function unitPanel({ onClose }) {
  const title = el("span", { text: "Hidden unit" });
  const close = el("button", { type: "button", class: "secondary", text: "Close", onclick: () => onClose() });
  const big = makeCanvas(224, 224, "the opened unit's 784 weights");
  const votes = makeCanvas(330, 180, "the opened unit's weights to each output");
  const top = el("div", { class: "thumbs", role: "list", "aria-label": "test images that drive the unit hardest" });
  const bottom = el("div", { class: "thumbs", role: "list", "aria-label": "test images the unit ignores most" });
  const about = el("p", { class: "status", role: "status" });
  const voteText = el("p", { class: "status" });
  const topNote = el("p", { class: "note" });
  const element = el("section", { class: "unit-panel", hidden: true, "aria-label": "one hidden unit", tabindex: -1 },
    el("h2", {}, title, close),
    about,
    el("div", { class: "figs" },
      figure({ title: "Its weights", canvas: big, name: "unit-weights", tight: true, legend: LEGENDS.weightsShort(), note: "Scaled to its own largest weight." }),
      figure({ title: "Its votes: weight to each output", canvas: votes, name: "unit-votes", legend: LEGENDS.weights(), note: "Red: when this unit is on, it pushes that output up; blue: down." }),
      el("figure", { class: "fig" }, el("figcaption", {}, el("span", { class: "title", text: "What drives it" })),
        el("p", { class: "note", text: `The ${SHOWN} test images that turn it on hardest:` }), top,
        el("p", { class: "note", text: `and the ${SHOWN} that leave it most off:` }), bottom, topNote)),
    voteText);
  element.addEventListener("keydown", (e) => {
    if (e.key === "Escape") onClose();
  });

  function show(m, j, { test, sparse, index, x, names, batch = null }) {
    const h = m.hidden;
    const k = m.b1.length;
    element.hidden = false;
    title.textContent = `Hidden unit ${j}${m.epoch ? ` after epoch ${m.epoch}` : ""}`;
    let s = 1e-6;
    for (let p = 0; p < 784; p++) s = Math.max(s, Math.abs(m.W0[p * h + j]));
    const ctx = sizeCanvas(big, 224, 224);
    raster.paint(m.W0, RED_BLUE, -s, s, j, h).drawTo(ctx, 0, 0, 224, 224);
    const w = Array.from({ length: k }, (_, c) => m.W1[j * k + c]);
    const wMax = absMax(w, 1e-6);
    const labels = k === 1 ? [names[1]] : names;
    barChart(votes, 330, 180, w, labels, {
      // Headroom above and below, so the value written on the tallest bar is not cut off.
      range: [-1.2 * wMax, 1.2 * wMax],
      fill: (c, v) => cssColor(RED_BLUE, v, -wMax, wMax),
      showValues: (v) => v.toFixed(1),
    });
    voteText.textContent = votesSentence(m.W1, h, k, j, names);
    // Rank the test images by this unit's total input.
    const { Z, n } = batch ?? mlpBatch(m, sparse);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Z[b * h + j] - Z[a * h + j]);
    const f = activation(m.activation);
    const thumb = (i) => {
      const c = thumbnail(test, i, names[test.labels[i]]);
      c.setAttribute("role", "listitem");
      c.setAttribute("title", `test image #${i}, class ${names[test.labels[i]]}: output ${f(Z[i * h + j]).toFixed(2)}`);
      return c;
    };
    top.replaceChildren(...order.slice(0, SHOWN).map(thumb));
    bottom.replaceChildren(...order.slice(-SHOWN).reverse().map(thumb));
    const counts = new Map();
    for (const i of order.slice(0, 50)) counts.set(test.labels[i], (counts.get(test.labels[i]) || 0) + 1);
    const [common, many] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    // Worded for any class names (digits or clothes): "the most common class among them".
    topNote.textContent = `Among the 50 test images that drive it hardest (of the first ${n.toLocaleString()}), the most common class is ${names[common]}: ${many} of them.`;
    let z = m.b0[j];
    for (let p = 0; p < 784; p++) z += x[p] * m.W0[p * h + j];
    about.textContent = `On test image #${index} (class ${names[test.labels[index]]}) its total input is ${z.toFixed(2)} and its output ${f(z).toFixed(2)}.`;
  }
  return {
    element,
    show,
    hide() {
      element.hidden = true;
    },
  };
}
