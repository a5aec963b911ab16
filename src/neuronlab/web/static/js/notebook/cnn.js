// Widget: a convolutional network's filters and one test image through it (the lab's chapter
// 6b figures), image and move synced with the kernel.
import { controls, setMax } from "../controls.js";
import { drawFilters, cnnImageView } from "../cnnview.js";
import { el, figure, LEGENDS, makeCanvas } from "../draw.js";
import { shiftInto } from "../nn.js";
import { imageInto, model, testSet } from "./data.js";
import { mountView, traitsFor } from "./host.js";
import { aClass } from "../words.js";

const fields = [
  { name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" },
  { name: "dy", type: "int", default: 0, min: -6, max: 6, label: "move it down (rows)" },
  { name: "dx", type: "int", default: 0, min: -6, max: 6, label: "move it right (columns)" },
];

function mount(root, store) {
  const filters = makeCanvas(520, 140, "the learned filters, red positive, blue negative");
  const view = cnnImageView({ prefix: "widget-cnn" });
  const verdict = el("p", { class: "status", role: "status" });
  const x = new Float32Array(784);
  const moved = new Float32Array(784);
  let ready = null;
  root.append(
    el("div", { class: "figs" }, figure({ title: "Learned filters", canvas: filters, name: "widget-cnn-filters", legend: LEGENDS.weights(), note: "Each filter on its own colour range." })),
    controls(store, ["img", "dy", "dx"]),
    verdict,
    view.element,
  );

  async function load() {
    const [test, m] = await Promise.all([testSet(), model(0)]);
    setMax(root, "img", test.n - 1);
    drawFilters(filters, m);
    return { test, m };
  }

  async function update(s) {
    ready ??= load();
    const { test, m } = await ready;
    const i = Math.min(s.img, test.n - 1);
    imageInto(test, i, x);
    shiftInto(x, s.dy, s.dx, false, moved);
    const { best, probs } = view.draw(m, moved);
    verdict.textContent = `Test image #${i} shows ${aClass(test.labels[i])}; the CNN answers ${aClass(m.classes[best])} with probability ${probs[best].toFixed(3)}.`;
  }
  return { update };
}

export default (host) => mountView(host, fields, mount, traitsFor({ img: "index", dy: "dy", dx: "dx" }));
