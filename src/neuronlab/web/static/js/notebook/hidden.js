// Widget: one test image through a hidden layer (the same figures as chapter 6), image synced.
import { controls, setMax } from "../controls.js";
import { imageInto, model, testSet } from "./data.js";
import { el } from "../draw.js";
import { hiddenImageView } from "../hiddenview.js";
import { mountView, traitsFor } from "./host.js";
import { aClass, className } from "../words.js";

const fields = [{ name: "img", type: "int", default: 0, min: 0, max: 9999, label: "test image" }];

function mount(root, store) {
  const path = hiddenImageView();
  const verdict = el("p", { class: "status", role: "status" });
  const x = new Float32Array(784);
  let ready = null;
  root.append(controls(store, ["img"]), verdict, path.element);

  async function load() {
    const [test, m] = await Promise.all([testSet(), model(0)]);
    setMax(root, "img", test.n - 1);
    return { test, m };
  }

  async function update(s) {
    ready ??= load();
    const { test, m } = await ready;
    const i = Math.min(s.img, test.n - 1);
    imageInto(test, i, x);
    const { best, probs } = path.draw(m, x);
    verdict.textContent = `Test image #${i} shows ${aClass(test.labels[i])}; the network answers ${className(m.classes[best])} with probability ${probs[best].toFixed(3)}.`;
  }
  return { update };
}

export default (host) => mountView(host, fields, mount, traitsFor({ img: "index" }));
