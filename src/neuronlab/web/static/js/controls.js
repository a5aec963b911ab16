// Native, labelled inputs bound to state fields: a change sets the state (timed in bench mode),
// and a state change from elsewhere (a link, a click on a picture) moves the input.
import { el } from "./draw.js";
import { formatValue, parseValue } from "./state.js";

let uid = 0;

/** A setting as a person reads it: 0.001, 0.5, 10, and 1e-5 rather than 0.00001. */
export function formatSetting(v) {
  return v !== 0 && Math.abs(v) < 1e-3 ? Number(v).toExponential(0).replace("e-", "e−") : String(v);
}

/** One control for `field`, bound to `store`. */
export function control(field, store) {
  const id = `ctl-${field.name}-${++uid}`;
  const value = store.get(field.name);
  let input;
  let out = null;
  if (field.options) {
    input = el(
      "select",
      { id },
      field.options.map((o) => el("option", { value: o, text: field.labels?.[o] ?? String(o) })),
    );
  } else if (field.ladder) {
    // A log-scale knob: the slider moves along the rungs, the readout shows the value.
    input = el("input", { id, type: "range", min: 0, max: field.ladder.length - 1, step: 1 });
    out = el("output", { for: id });
  } else if (field.type === "bool") {
    input = el("input", { id, type: "checkbox" });
  } else if (field.type === "ints" || field.type === "str") {
    input = el("input", { id, type: "text", spellcheck: "false" });
  } else {
    const kind = field.control === "number" ? "number" : "range";
    input = el("input", {
      id,
      type: kind,
      min: field.min,
      max: field.max,
      step: field.step ?? (field.type === "int" ? 1 : 0.01),
    });
    if (kind === "range") out = el("output", { for: id });
  }
  input.dataset.field = field.name;
  const typed = input.type === "text" || input.type === "number";
  const show = (v) => {
    if (field.ladder) {
      input.value = String(field.ladder.indexOf(v));
      input.setAttribute("aria-valuetext", formatSetting(v));
      out.textContent = formatSetting(v);
      return;
    }
    if (field.type === "bool") input.checked = v;
    // Never rewrite a box while the user types in it ("-" or "1." are fine half-way).
    else if (!(typed && document.activeElement === input)) input.value = formatValue(field, v);
    if (out) out.textContent = field.type === "float" ? Number(v).toFixed(2) : String(v);
  };
  show(value);
  const apply = (e, final) => {
    const t0 = e.timeStamp > 0 ? e.timeStamp : performance.now();
    const raw = field.ladder
      ? String(field.ladder[Number(input.value)])
      : field.type === "bool" ? (input.checked ? "1" : "0") : input.value;
    const v = parseValue(field, raw);
    if (v !== undefined) store.set({ [field.name]: v }, { kind: field.name, t0 });
    // On leaving the box, show the value in force (clamped, or the old one if it was not valid).
    if (final && typed) input.value = formatValue(field, store.get(field.name));
  };
  input.addEventListener(typed ? "change" : "input", (e) => apply(e, true));
  // Number boxes also follow typing, so a weight takes effect while you type it.
  if (input.type === "number") input.addEventListener("input", (e) => apply(e, false));
  store.listen((state, changed) => {
    if (changed.has(field.name)) show(state[field.name]);
  });
  const label = el("label", { for: id, text: field.label ?? field.name });
  if (field.type === "bool") return el("div", { class: "ctl check" }, input, label);
  return el("div", { class: "ctl" }, label, out ? el("div", { class: "row" }, input, out) : input);
}

/** A row of controls for the named fields. */
export function controls(store, names, ...extra) {
  const byName = Object.fromEntries(store.fields.map((f) => [f.name, f]));
  return el("div", { class: "controls" }, names.map((n) => control(byName[n], store)), extra);
}

/** Set the largest value of a field's input once the data's size is known. */
export function setMax(root, name, max) {
  for (const input of root.querySelectorAll(`[data-field="${name}"]`)) input.max = String(max);
}
