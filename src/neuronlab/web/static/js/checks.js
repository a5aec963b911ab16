// The logic behind the exercises, without any DOM (Node runs it in the tests): the self-checks,
// and the values that fill an answer's {placeholders} from the numbers a chapter shows.
//
// A self-check is (facts) -> {solved, text}: `text` says in words what the lab sees, solved or
// not (the page shows it in a role=status line, so the state never rests on colour alone).
// The facts each one reads (the chapter passes them to ex.check):
//   neuron-half    {output, x: [5 inputs], w: [5 weights]}
//   shift-fool     {dy, dx, label, lr_pred, mlp_pred, mlp_pred0}  (preds null when untrained;
//                  mlp_pred0 is the network's answer for the digit before the move)
//   sweep-beat-lr  {results: [{hidden, seed, train_accuracy, test_accuracy}], lr_test_accuracy}
//   sweep-overfit  {results}
//   cnn-pool       {cnn, cnn_flip, pool, shifts}  (chapter 10's curves; see conclusions.js cnn)
import { bySize, cnnParts, conclude, count, pct, points, sweepPlateau, sweepSpread } from "./conclusions.js";

const OVERFIT_GAP = 0.03;

export const CHECKS = {
  "neuron-half"({ output, x, w }) {
    if (output === undefined) return { solved: false, text: "Move the inputs to begin." };
    const shown = output.toFixed(4);
    const on = x.map((v, i) => (v > 0 && w[i] !== 0 ? `x${i + 1} = ${v.toFixed(2)}` : null)).filter(Boolean);
    if (Math.abs(output - 0.5) >= 5e-5) return { solved: false, text: `Not yet: the output reads ${shown}.` };
    if (on.length === 0) return { solved: false, text: "Not yet: the output is 0.5000, but only because every input that counts is 0. Switch some on." };
    return { solved: true, text: `Solved: the output reads ${shown} with ${on.join(", ")}.` };
  },

  "shift-fool"({ dy, dx, label, lr_pred, mlp_pred, mlp_pred0 }) {
    if (lr_pred === null || lr_pred === undefined || mlp_pred === null || mlp_pred === undefined) {
      return { solved: false, text: "Train both models first (chapters 4 and 6)." };
    }
    const far = Math.max(Math.abs(dy), Math.abs(dx));
    if (far === 0) return { solved: false, text: "Not yet: move the digit first." };
    if (far > 2) return { solved: false, text: `Not yet: this move is ${far} pixels; stay within 2.` };
    if (mlp_pred0 !== label) return { solved: false, text: `Not yet: the network already reads the unmoved digit wrong (${mlp_pred0} for a ${label}); pick another image.` };
    if (mlp_pred === label) return { solved: false, text: `Not yet: the network still reads the moved digit as ${label}.` };
    if (lr_pred !== label) return { solved: false, text: `Not yet: logistic regression is fooled too (it says ${lr_pred}).` };
    return { solved: true, text: `Solved: moved by ${dy} down and ${dx} right, the ${label} fools the network (it says ${mlp_pred}) but not logistic regression.` };
  },

  "sweep-beat-lr"({ results, lr_test_accuracy }) {
    if (lr_test_accuracy === null || lr_test_accuracy === undefined) {
      return { solved: false, text: "Train logistic regression in chapter 4 first: the lab compares with its test accuracy." };
    }
    const rows = bySize(results || []);
    if (rows.length === 0) return { solved: false, text: `Run a sweep: logistic regression gets ${pct(lr_test_accuracy)}.` };
    const beats = rows.filter((r) => r.test > lr_test_accuracy);
    if (beats.length === 0) return { solved: false, text: `Not yet: no size on screen beats logistic regression's ${pct(lr_test_accuracy)}.` };
    for (const r of beats) {
      if (r.hidden === 1) return { solved: true, text: `Solved: a single hidden unit already beats logistic regression (${pct(r.test)} against ${pct(lr_test_accuracy)}).` };
      const below = rows.find((q) => q.hidden === r.hidden - 1);
      if (below && below.test <= lr_test_accuracy) {
        return { solved: true, text: `Solved: ${r.hidden} units beat logistic regression (${pct(r.test)} against ${pct(lr_test_accuracy)}) and ${below.hidden} do not (${pct(below.test)}).` };
      }
    }
    return { solved: false, text: `Not yet: ${beats[0].hidden} units beat logistic regression (${pct(beats[0].test)} against ${pct(lr_test_accuracy)}); now show that one unit fewer does not.` };
  },

  "sweep-overfit"({ results }) {
    const rows = bySize(results || []);
    if (rows.length === 0) return { solved: false, text: "Run a sweep first." };
    const gaps = rows.map((r) => r.train - r.test);
    const i = gaps.indexOf(Math.max(...gaps));
    const gap = `${points(Math.max(0, gaps[i]))} points (${pct(rows[i].train)} training, ${pct(rows[i].test)} test at ${rows[i].hidden} units)`;
    return gaps[i] >= OVERFIT_GAP
      ? { solved: true, text: `Solved: the network overfits: a gap of ${gap}.` }
      : { solved: false, text: `Not yet: the largest train-test gap is ${gap}; aim for ${points(OVERFIT_GAP)}.` };
  },
};

// Chapter 10 (cnn helper): the same CNN with and without pooling, both on the shift chart.
CHECKS["cnn-pool"] = (facts) => {
  if (!facts.cnn) return { solved: false, text: "Train the CNN first." };
  if (!facts.cnn_flip) {
    return { solved: false, text: `Not yet: the chart shows the CNN ${facts.pool ? "with" : "without"} pooling only; train it ${facts.pool ? "without" : "with"} pooling too.` };
  }
  const { pooling } = cnnParts(facts);
  return { solved: true, text: `Solved: both are on the chart. ${pooling}` };
};

/** Run the self-check `id` on `facts`; {solved: false, text} when facts are missing. */
export function runCheck(id, facts) {
  const check = CHECKS[id];
  if (!check) throw new Error(`no self-check named ${id}`);
  return check(facts || {});
}

/** The values an answer's {placeholders} take, from a chapter's facts (strings; absent = unknown). */
export const DERIVE = {
  rows({ counts, class_names }) {
    if (!counts || counts.length === 0) return {};
    const names = class_names || counts.map((_, i) => String(i));
    const hi = counts.indexOf(Math.max(...counts));
    const lo = counts.indexOf(Math.min(...counts));
    return { max_class: names[hi], max_count: `${count(counts[hi])} images`, min_class: names[lo], min_count: `${count(counts[lo])}` };
  },
  pair({ a, b }) {
    return a === undefined ? {} : { a: String(Math.min(a, b)), b: String(Math.max(a, b)) };
  },
  ten({ test_accuracy }) {
    return test_accuracy === undefined || test_accuracy === null ? {} : { test_accuracy: pct(test_accuracy) };
  },
  shift(facts) {
    const text = facts.shifts ? conclude.shift(facts) : "";
    return text ? { shift_summary: text } : {};
  },
  hidden(facts) {
    const text = conclude.hidden(facts);
    return text && facts.lr_test_accuracy !== undefined && facts.lr_test_accuracy !== null ? { comparison: text } : {};
  },
  cnn(facts) {
    const out = {};
    if (facts.filters) {
      const k = facts.filter_size;
      const h = facts.hidden_units || 25;
      out.sharing = `With the settings above a filter has ${k} × ${k} = ${count(k * k)} weights (plus a bias), and the ${count(facts.filters)} filters ${count(facts.filters * k * k)} together; a hidden unit of chapter 6 has 784, one per pixel, so ${count(h)} units hold ${count(784 * h)}.`;
    }
    const parts = facts.shifts ? cnnParts(facts) : {};
    if (parts.keeps) out.cnn_summary = [parts.keeps, parts.remedies].filter(Boolean).join(" ");
    if (parts.fails) out.fail_summary = parts.fails;
    if (parts.pooling) out.pool_summary = parts.pooling;
    return out;
  },
  sweep({ results }) {
    const rows = bySize(results || []);
    const out = {};
    if (rows.length > 1) out.sweep_summary = sweepPlateau(rows);
    const spread = sweepSpread(rows);
    if (spread) out.spread_summary = spread;
    return out;
  },
};

/** Fill "{name|fallback}" from `values`; unknown names take their fallback words. */
export function fill(text, values = {}) {
  return text.replace(/\{([a-z0-9_]+)\|([^}]*)\}/g, (_, name, fallback) => values[name] ?? fallback);
}
