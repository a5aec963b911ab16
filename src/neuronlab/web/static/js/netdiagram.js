// A network drawn by the lab: 784 pixels -> (h hidden units) -> one output per class. Its units
// are buttons (click, Enter or Space) that open the same unit everywhere on the page; edges into
// the outputs are the real weights in red/blue, like every weight in the lab.
import { cssColor, GREY, RED_BLUE } from "./colormaps.js";

const NS = "http://www.w3.org/2000/svg";
const MAX_DRAWN = 40;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, v);
  for (const c of children) if (c) node.append(c);
  return node;
}

function text(x, y, s, attrs = {}) {
  const t = svg("text", { x, y, "font-size": 12, fill: "#5b6470", "text-anchor": "middle", ...attrs });
  t.textContent = s;
  return t;
}

/**
 * {element, update({hidden, outputs, open, W1})}: `hidden` (h outputs in 0..1 or null),
 * `outputs` (class probabilities or null), `open` (the opened unit or null), `W1` ((h, k)
 * row-major: drawn as the edges into the outputs). `onPick(kind, index)` gets "hidden" or
 * "output" and the unit's number. `hidden` = 0 draws logistic regression (pixels -> outputs).
 */
export function networkDiagram({ hidden = 0, names, onPick, title }) {
  const k = names.length;
  const drawn = Math.min(hidden, MAX_DRAWN);
  const width = 640;
  const rows = Math.max(k, Math.min(drawn, 20));
  const height = 40 + rows * 22;
  const root = svg("svg", { class: "netdiagram", viewBox: `0 0 ${width} ${height}`, width, height, role: "group", "aria-label": title });
  const xIn = 70;
  const xHid = hidden ? 330 : null;
  const xOut = hidden ? 560 : 500;
  const yOf = (i, n) => 28 + ((i + 0.5) * (height - 48)) / n;
  const edges = svg("g", {});
  const nodes = svg("g", {});
  root.append(edges, nodes);

  // The input layer: a few pixels stand for all 784.
  const shownPixels = 9;
  for (let i = 0; i < shownPixels; i++) {
    const y = i === 4 ? null : yOf(i, shownPixels);
    if (y === null) nodes.append(text(xIn, yOf(4, shownPixels) + 4, "⋮", { "font-size": 16 }));
    else nodes.append(svg("rect", { x: xIn - 7, y: y - 7, width: 14, height: 14, fill: "#d9dde2", stroke: "#9aa1aa" }));
  }
  nodes.append(text(xIn, 16, "784 pixels"));

  const target = hidden ? { x: xHid, n: drawn } : { x: xOut, n: k };
  // Every drawn pixel connects to every unit of the next layer: faint, since there are 784 x n.
  for (let i = 0; i < shownPixels; i++) {
    if (i === 4) continue;
    for (let j = 0; j < target.n; j++) {
      edges.append(svg("line", { x1: xIn + 7, y1: yOf(i, shownPixels), x2: target.x - 9, y2: yOf(j, target.n), stroke: "#e3e6ea" }));
    }
  }

  const hiddenNodes = [];
  if (hidden) {
    nodes.append(text(xHid, 16, `${hidden} hidden units`));
    const cols = drawn > 20 ? 2 : 1;
    const perCol = Math.ceil(drawn / cols);
    for (let j = 0; j < drawn; j++) {
      const cx = xHid + (cols === 2 ? (j < perCol ? -16 : 16) : 0);
      const cy = yOf(j % perCol, perCol);
      const circle = svg("circle", { cx, cy, r: 8, fill: "#fff", stroke: "#5b6470", "stroke-width": 1.2 });
      const label = text(cx + (cols === 2 && j < perCol ? -20 : 20), cy + 4, String(j), { "font-size": 10 });
      const g = svg("g", { class: "node", tabindex: 0, role: "button", "aria-label": `hidden unit ${j}: open it`, "data-unit": j }, circle, label);
      hiddenNodes.push({ g, circle, cx, cy });
      nodes.append(g);
    }
    if (hidden > drawn) nodes.append(text(xHid, height - 4, `+${hidden - drawn} more: open them from the weight grid`, { "font-size": 11 }));
  }

  const outEdges = svg("g", {});
  edges.append(outEdges);
  const outputNodes = [];
  nodes.append(text(xOut, 16, hidden ? "outputs" : "ten neurons (outputs)"));
  for (let c = 0; c < k; c++) {
    const cy = yOf(c, k);
    const circle = svg("circle", { cx: xOut, cy, r: 9, fill: "#fff", stroke: "#1d232b", "stroke-width": 1.2 });
    const label = text(xOut + 16, cy + 4, names[c], { "text-anchor": "start", fill: "#1d232b" });
    const g = svg("g", { class: "node", tabindex: 0, role: "button", "aria-label": `output ${names[c]}: open it`, "data-output": c }, circle, label);
    outputNodes.push({ g, circle, cy });
    nodes.append(g);
  }

  const pick = (e) => {
    const g = e.target.closest?.(".node");
    if (!g) return;
    if (g.dataset.unit !== undefined) onPick?.("hidden", Number(g.dataset.unit));
    else if (g.dataset.output !== undefined) onPick?.("output", Number(g.dataset.output));
  };
  root.addEventListener("click", pick);
  root.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      pick(e);
    }
  });

  function update({ hiddenValues = null, outputs = null, open = null, W1 = null } = {}) {
    hiddenNodes.forEach(({ g, circle }, j) => {
      circle.setAttribute("fill", hiddenValues ? cssColor(GREY, hiddenValues[j], 0, 1) : "#fff");
      g.classList.toggle("open", open === j);
    });
    outputNodes.forEach(({ g, circle }, c) => {
      circle.setAttribute("fill", outputs ? cssColor(GREY, outputs[c], 0, 1) : "#fff");
      g.classList.toggle("open", !hidden && open === c);
    });
    outEdges.replaceChildren();
    if (hidden && W1) {
      let s = 1e-6;
      for (let q = 0; q < drawn * k; q++) s = Math.max(s, Math.abs(W1[q]));
      hiddenNodes.forEach(({ cx, cy }, j) => {
        for (let c = 0; c < k; c++) {
          const w = W1[j * k + c];
          // Only the strong votes are drawn, or the picture turns grey.
          if (Math.abs(w) < 0.35 * s && open !== j) continue;
          outEdges.append(svg("line", {
            x1: cx + 9, y1: cy, x2: xOut - 10, y2: outputNodes[c].cy,
            stroke: cssColor(RED_BLUE, w, -s, s),
            "stroke-width": open === j ? 2.5 : 1.2,
            "stroke-opacity": open === null || open === j ? 0.9 : 0.25,
          }));
        }
      });
    }
  }
  update();
  return { element: root, update };
}
