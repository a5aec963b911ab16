// Chapter 2: a digit is 784 numbers; rows of the image become segments of one long strip.
import { datasetInfo, imageInto, testSet } from "../data.js";
import { controls } from "../controls.js";
import { barChart } from "../charts.js";
import { el, figure, LEGENDS, makeCanvas, sizeCanvas, tableCanvas, thumbnail } from "../draw.js";
import { drawDigit, drawStrip, stripFigure } from "../panels.js";
import { exercises } from "../exercises.js";
import { aClass, className, classLabels, classNames, isDigits, noun, phrase } from "../words.js";

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const fields = [
  { name: "cls", type: "int", default: 3, min: 0, max: 9, options: DIGITS, get labels() { return classLabels(); }, get label() { return isDigits() ? "digit class" : "class"; } },
  { name: "k", type: "int", default: 0, min: 0, max: 9999, control: "number", label: "index within the class" },
  { name: "row", type: "int", default: 14, min: 0, max: 27, label: "image row" },
];
const SIZE = 252;
const SHOWN = 48;

function mount(root, store) {
  const digit = makeCanvas(SIZE, SIZE, phrase("the chosen {item}, 28 by 28"));
  const rowCanvas = makeCanvas(672, 54, "the 28 values of the chosen row");
  const strip = stripFigure("The same image as one strip of 784 pixels", "rows-strip", LEGENDS.pixels());
  const counts = makeCanvas(330, 170, "test images per class");
  const summary = el("table", { class: "data kv" });
  const thumbs = el("div", { class: "thumbs", role: "group", "aria-label": phrase("{items} of the chosen class") });
  const caption = el("p", { class: "status" });
  const x = new Float32Array(784);
  let test = null;
  let shownClass = -1;
  const ex = exercises("rows", store);

  root.append(
    el("p", { class: "prose", text: "The lab's usual data set is MNIST: 70,000 handwritten digits, each 28 × 28 grey pixels. It is small enough to train on in seconds and hard enough to be interesting, which is why new learning methods have been tried on it first for decades. (The table below and the top of the page name the data set in use.)" }),
    el("p", { class: "prose", text: "A computer sees a 28 × 28 grey image as a grid of numbers, one per pixel. Most learning algorithms want each example as one row of numbers, so we read the grid row by row and lay the rows end to end: 784 inputs. Pick a row to see where its 28 pixels land in the strip." }),
    el("div", { class: "figs" },
      figure({ title: "Dataset", canvas: summary, name: "rows-summary", render: () => tableCanvas(summary) }),
      figure({ title: "Test images per class", canvas: counts, name: "rows-class-counts" })),
    controls(store, ["cls", "k", "row"]),
    caption,
    el("div", { class: "figs" },
      figure({ title: phrase("The {item} as 28 × 28 pixels"), canvas: digit, name: "rows-digit", legend: LEGENDS.pixels(), note: "The orange box is the chosen row." }),
      figure({ title: "The chosen row: 28 numbers", canvas: rowCanvas, name: "rows-row-values", note: "Raw pixel values 0–255; the lab divides them by 255 to get inputs between 0 and 1." })),
    strip.fig,
    el("h2", { text: phrase("Browse the {items} of this class") }),
    thumbs,
    ex.element,
  );

  Promise.all([datasetInfo(), testSet()]).then(([info, t]) => {
    test = t;
    fillSummary(summary, info, t);
    barChart(counts, 330, 170, t.byClass.map((c) => c.length), classNames(), {
      range: [0, Math.max(...t.byClass.map((c) => c.length)) * 1.15],
      yLabel: "test images",
      fill: () => "#8a929c",
      showValues: (v) => String(v),
    });
    ex.check({ counts: t.byClass.map((c) => c.length), class_names: info.class_names });
    update(store.state);
  });

  function update(s) {
    if (!test) return;
    const members = test.byClass[s.cls];
    if (s.k >= members.length) {
      store.set({ k: members.length - 1 });
      return;
    }
    const index = members[s.k];
    imageInto(test, index, x);
    caption.textContent = `Test image #${index}: ${aClass(s.cls)}, number ${s.k} of ${members.length} in its class.`;
    drawDigit(digit, x, SIZE, s.row);
    drawStrip(strip.canvas, x, 784, 40, s.row);
    drawRowValues(rowCanvas, test.images, index * 784 + s.row * 28);
    if (shownClass !== s.cls) {
      shownClass = s.cls;
      thumbs.replaceChildren(
        ...members.slice(0, SHOWN).map((i, k) =>
          el("button", { type: "button", "aria-label": `${noun()} ${className(s.cls)}, number ${k}`, onclick: () => store.set({ k }) }, thumbnail(test, i)),
        ),
      );
    }
    [...thumbs.children].forEach((b, k) => b.setAttribute("aria-pressed", String(k === s.k)));
  }
  return { update };
}

function fillSummary(table, info, test) {
  const [lo, hi] = info.value_range;
  const rows = [
    ["Dataset", info.description],
    ["Training images", info.n_train.toLocaleString()],
    ["Test images", info.n_test.toLocaleString()],
    ["Image shape", "28 × 28 = 784 pixels"],
    ["Pixel values", `${lo}–${hi} (whole numbers), scaled to 0–1`],
    ["Classes", info.class_names.join(", ")],
    ["Loaded in this page", `${test.n.toLocaleString()} test images`],
  ];
  table.replaceChildren(...rows.map(([k, v]) => el("tr", {}, el("th", { scope: "row", text: k }), el("td", { text: v }))));
}

function drawRowValues(canvas, images, offset) {
  const ctx = sizeCanvas(canvas, 672, 54);
  ctx.clearRect(0, 0, 672, 54);
  ctx.font = "10px ui-monospace, Menlo, monospace";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let c = 0; c < 28; c++) {
    const v = images[offset + c];
    ctx.fillStyle = `rgb(${v},${v},${v})`;
    ctx.fillRect(c * 24, 0, 23, 32);
    ctx.fillStyle = v > 140 ? "#000" : "#fff";
    ctx.fillText(String(v), c * 24 + 11.5, 16);
    ctx.fillStyle = "#8a929c";
    ctx.fillText(String(c), c * 24 + 11.5, 44);
  }
}

export default {
  id: 2,
  slug: "rows",
  get title() {
    return phrase("{Items} are rows of numbers");
  },
  lead: "What the network actually receives: 784 pixel values in a row.",
  fields,
  mount,
};
