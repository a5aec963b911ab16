// Widget: the five panels that compare two classes (chapters 3 and 4); the kernel sends the means.
import { controls } from "../controls.js";
import { fivePanels } from "../panels.js";
import { mountView, traitsFor } from "./host.js";
import { typed } from "./data.js";
import { classLabels, noun } from "../words.js";

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const fields = [
  { name: "a", type: "int", default: 1, min: 0, max: 9, options: DIGITS, get labels() { return classLabels(); }, get label() { return noun(); } },
  { name: "b", type: "int", default: -1, min: -1, max: 9, options: [-1, ...DIGITS], get labels() { return { "-1": "the rest", ...classLabels() }; }, label: "against" },
];

export default async (host) => {
  const { model } = host;
  const panels = fivePanels("compare");
  const draw = () => {
    const means = typed(model.get("means"));
    const w = model.get("weights");
    const [labelA, labelB] = model.get("labels");
    panels.draw(means.subarray(0, 784), means.subarray(784), w ? typed(w) : null, labelA, labelB);
  };
  model.on("change:means", draw);
  const view = await mountView(host, fields, (root, store) => {
    root.append(controls(store, ["a", "b"]), panels.element);
    return { update: () => {} };
  }, traitsFor({ a: "a", b: "b" }));
  draw();
  return {
    unmount() {
      model.off("change:means", draw);
      view.unmount();
    },
  };
};
