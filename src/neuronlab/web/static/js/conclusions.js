// Conclusions: pure functions from the numbers a chapter shows to the sentence printed next to
// its figure. Nothing here is a fixed claim: every statement is computed, so other data, other
// settings or another training run give another sentence. No DOM and no imports, so Node runs
// this file in the tests, and src/neuronlab/lessons.py mirrors it for the notebook (a test
// feeds both the same numbers and demands the same sentences).
//
// Facts each function needs (plain numbers and arrays; accuracies are fractions 0..1):
//   pair({a, b, test_accuracy, n_test, weights, meanA, meanB})          chapter 3
//       a < b the two classes; weights (784) vote for b (positive = towards b); meanA, meanB
//       (784) the classes' mean images in 0..1; n_test the test images scored.
//   ten({digit, test_accuracy, n_test, weights, meanDigit, meanRest})   chapter 4
//       weights (784) of the digit's one-vs-rest neuron (positive = towards the digit).
//   shift({shifts, lr, mlp, axis, remedy})                              chapter 5
//       shifts (ints, must hold 0); lr / mlp the test accuracy at each shift (null when the
//       model is not trained); axis "vertical" | "horizontal"; remedy optional
//       {chapter, title}: where the lab shows a model that copes with moves.
//   hidden({test_accuracy, lr_test_accuracy, n_test, n_errors, lr_n_errors})   chapter 6
//       n_errors / lr_n_errors optional (else computed from the accuracies and n_test).
//   sweep({results, lr_test_accuracy})                                  chapter 7
//       results [{hidden, seed, train_accuracy, test_accuracy}], one per trained network;
//       lr_test_accuracy optional (logistic regression's, for comparison).
//   cnn({shifts, axis, wrap, lr, mlp, augmented, cnn, cnn_flip, pool, aug})    chapter 10
//       curves as in shift (null when that model is not trained): augmented is the
//       hidden-layer network trained on copies shifted by up to `aug` pixels, cnn the CNN on
//       screen (it pools when `pool`), cnn_flip the same CNN with pooling the other way.
//   rotation({angles, n, lr, mlp, augmented, cnn, aug})               chapter 10
//       accuracy on the first n test images turned by each angle (degrees, must hold 0).
// Each returns one paragraph (a string); "" when there is nothing to conclude yet.

/** x rounded half up to `d` decimals, as text with a real minus sign ("−0.5"). */
export function fixed(x, d = 1) {
  const n = Math.floor(x * 10 ** d + 0.5);
  const digits = String(Math.abs(n)).padStart(d + 1, "0");
  const body = d > 0 ? `${digits.slice(0, -d)}.${digits.slice(-d)}` : digits;
  return n < 0 ? `−${body}` : body;
}

/** A fraction as a percentage: 0.9351 -> "93.5%". */
export const pct = (v, d = 1) => `${fixed(100 * v, d)}%`;

/** Points between two fractions: 0.935 - 0.879 -> "5.6". */
export const points = (v) => fixed(100 * v, 1);

/** A whole number with thousands separators, the same in every locale: 2000 -> "2,000". */
export function count(n) {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "1 mistake" / "12 mistakes". */
const plural = (n, word) => `${count(n)} ${word}${n === 1 ? "" : "s"}`;

/** Mistakes among n test images at accuracy acc. */
const mistakes = (acc, n) => Math.round((1 - acc) * n);

// Regions of the image, read off the two class means the way the overlay panel shows them: a
// pixel has ink for a class when its mean reaches a quarter of that class's brightest pixel.
const INK = 0.25;

/**
 * Where the weights sit: for each region (only A inked, only B, both, neither) its number of
 * pixels, its share of the total absolute weight and the share of that weight that is positive.
 */
export function weightRegions(weights, meanA, meanB) {
  const maxA = Math.max(1e-12, ...meanA);
  const maxB = Math.max(1e-12, ...meanB);
  const regions = { onlyA: [0, 0, 0], onlyB: [0, 0, 0], both: [0, 0, 0], neither: [0, 0, 0] };
  let total = 0;
  for (let p = 0; p < weights.length; p++) {
    const a = meanA[p] / maxA >= INK;
    const b = meanB[p] / maxB >= INK;
    const r = regions[a && b ? "both" : a ? "onlyA" : b ? "onlyB" : "neither"];
    const w = weights[p];
    r[0] += 1;
    r[1] += Math.abs(w);
    r[2] += Math.max(0, w);
    total += Math.abs(w);
  }
  const out = {};
  for (const [k, [pixels, abs, pos]] of Object.entries(regions)) {
    out[k] = { pixels, share: total > 0 ? abs / total : 0, positive: abs > 0 ? pos / abs : 0.5 };
  }
  return out;
}

/** "red (for 8)", "blue (for 1)" or "a mix of red and blue", from the positive share. */
function colour(positive, nameA, nameB) {
  if (positive >= 0.75) return `mostly red (for ${nameB})`;
  if (positive <= 0.25) return `mostly blue (for ${nameA})`;
  return "a mix of red and blue";
}

/** "the 8s" for a digit, "the rest" as it is. */
const group = (name) => (name === "the rest" ? name : `the ${name}s`);

/** The regions sentence shared by chapters 3 and 4; `b` is the class positive weights favour. */
function regionsSentence(weights, meanA, meanB, nameA, nameB) {
  const r = weightRegions(weights, meanA, meanB);
  const n = weights.length;
  const label = {
    onlyB: `only ${group(nameB)} have ink`,
    onlyA: `only ${group(nameA)} have ink`,
    both: "both have ink",
    neither: "neither has ink",
  };
  // Weight per pixel relative to the average pixel: 1 means "its fair share".
  const density = (k) => (r[k].pixels > 0 ? r[k].share / (r[k].pixels / n) : 0);
  const ranked = Object.keys(label).filter((k) => r[k].pixels > 0).sort((p, q) => density(q) - density(p));
  if (ranked.length === 0) return "";
  const top = ranked[0];
  const low = ranked[ranked.length - 1];
  let text = `Per pixel, the weights are strongest where ${label[top]} (${fixed(density(top))} times the average pixel's share) and weakest where ${label[low]} (${fixed(density(low))} times).`;
  const parts = ["onlyB", "onlyA"].filter((k) => r[k].pixels > 0)
    .map((k) => `${label[k]}, the weights are ${colour(r[k].positive, nameA, nameB)}`);
  if (parts.length) text += ` Where ${parts.join("; where ")}.`;
  if (r.both.pixels > 0) {
    text += ` The ${count(r.both.pixels)} pixels where both have ink hold ${pct(r.both.share, 0)} of the weight.`;
  }
  return text;
}

function accuracySentence(acc, n) {
  if (acc === null || acc === undefined) return "";
  if (!n) return `Test accuracy ${pct(acc)}.`;
  return `Test accuracy ${pct(acc)}: ${plural(mistakes(acc, n), "mistake")} in ${count(n)} test images.`;
}

/** Chapter 3: which regions carry the weight, and the accuracy. */
export function pair({ a, b, test_accuracy, n_test, weights, meanA, meanB }) {
  const parts = [];
  if (weights && meanA && meanB) parts.push(regionsSentence(weights, meanA, meanB, String(a), String(b)));
  parts.push(accuracySentence(test_accuracy, n_test));
  return parts.filter(Boolean).join(" ");
}

/** Chapter 4: the same for one digit against the rest. */
export function ten({ digit, test_accuracy, n_test, weights, meanDigit, meanRest }) {
  const parts = [];
  if (weights && meanDigit && meanRest) parts.push(regionsSentence(weights, meanRest, meanDigit, "the rest", String(digit)));
  if (test_accuracy !== null && test_accuracy !== undefined) {
    const errors = n_test ? ` (${plural(mistakes(test_accuracy, n_test), "mistake")} in ${count(n_test)} test images)` : "";
    parts.push(`All ten neurons together get ${pct(test_accuracy)} of the test images right${errors}.`);
  }
  return parts.filter(Boolean).join(" ");
}

/** Accuracy after moving by k either way: the mean of +k and -k (whichever were measured). */
export function atShift(shifts, ys, k) {
  const vals = shifts.map((s, i) => (Math.abs(s) === k ? ys[i] : null)).filter((v) => v !== null);
  return vals.length ? vals.reduce((p, q) => p + q, 0) / vals.length : null;
}

const STEPS = [1, 2, 3];

/** Chapter 5: how much each model loses at ±1, ±2, ±3, and whether the hidden layer fixes it. */
export function shift({ shifts, lr, mlp, axis = "vertical", remedy = null }) {
  const unit = axis === "horizontal" ? "column" : "row";
  const models = [["logistic regression", lr], ["the hidden-layer network", mlp]].filter(([, ys]) => ys);
  if (!shifts || models.length === 0 || !shifts.includes(0)) return "";
  const steps = STEPS.filter((k) => atShift(shifts, models[0][1], k) !== null);
  if (steps.length === 0) return "";
  const loss = {};
  const lines = models.map(([name, ys]) => {
    const base = ys[shifts.indexOf(0)];
    const after = steps.map((k) => atShift(shifts, ys, k));
    loss[name] = { base, drop: after.map((v) => base - v) };
    return `${name} falls from ${pct(base)} to ${after.map((v) => pct(v)).join(", ")} (${loss[name].drop.map((d) => `${d >= 0 ? "−" : "+"}${points(Math.abs(d))}`).join(", ")} points)`;
  });
  const moved = steps.map(String).join(", ").replace(/, (\d)$/, " and $1");
  let text = `Moving every test image ${moved} ${unit}${steps.at(-1) === 1 ? "" : "s"} either way: ${lines.join("; ")}.`;
  if (lr && mlp) {
    const k = steps.length - 1;
    const lrDrop = loss["logistic regression"].drop[k];
    const mlpDrop = loss["the hidden-layer network"].drop[k];
    const at = `±${steps[k]}`;
    if (mlpDrop <= 0.02) {
      text += ` At ${at} the hidden-layer network loses only ${points(Math.max(0, mlpDrop))} points: here it copes with the move.`;
    } else if (mlpDrop < 0.5 * lrDrop) {
      text += ` At ${at} the hidden layer loses ${points(mlpDrop)} points against ${points(lrDrop)}: it helps, but it still loses a lot.`;
    } else {
      text += ` At ${at} the hidden layer loses ${points(mlpDrop)} points against ${points(lrDrop)} for logistic regression: it does not fix the problem, because its units are still maps over fixed pixels.`;
    }
  }
  if (remedy) text += ` Chapter ${remedy.chapter} (${remedy.title}) shows a model built to cope with moves.`;
  return text;
}

/** Chapter 6: the network against logistic regression, in accuracy and in mistakes. */
export function hidden({ test_accuracy, lr_test_accuracy, n_test, n_errors, lr_n_errors }) {
  if (test_accuracy === null || test_accuracy === undefined) return "";
  if (lr_test_accuracy === null || lr_test_accuracy === undefined) {
    return `${accuracySentence(test_accuracy, n_test)} Train logistic regression in chapter 4 to compare.`;
  }
  if (!n_test) return `${pct(test_accuracy)} against ${pct(lr_test_accuracy)} for logistic regression.`;
  const mine = n_errors ?? mistakes(test_accuracy, n_test);
  const theirs = lr_n_errors ?? mistakes(lr_test_accuracy, n_test);
  const head = `${pct(test_accuracy)} against ${pct(lr_test_accuracy)} for logistic regression`;
  const diff = theirs - mine;
  if (diff > 0) return `${head}: ${count(diff)} fewer mistakes in ${count(n_test)} test images (${count(mine)} instead of ${count(theirs)}).`;
  if (diff < 0) return `${head}: ${count(-diff)} more mistakes in ${count(n_test)} test images (${count(mine)} instead of ${count(theirs)}); this network did not beat it.`;
  return `${head}: the same number of mistakes (${count(mine)} in ${count(n_test)} test images).`;
}

/** Per size: mean train and test accuracy and the lowest and highest test accuracy. */
export function bySize(results) {
  const sizes = [...new Set(results.map((r) => r.hidden))].sort((p, q) => p - q);
  return sizes.map((h) => {
    const rs = results.filter((r) => r.hidden === h);
    const mean = (key) => rs.reduce((s, r) => s + r[key], 0) / rs.length;
    const tests = rs.map((r) => r.test_accuracy);
    return { hidden: h, runs: rs.length, train: mean("train_accuracy"), test: mean("test_accuracy"), lo: Math.min(...tests), hi: Math.max(...tests) };
  });
}

/** The part of the chapter 7 conclusion about where extra units stop helping. */
export function sweepPlateau(rows) {
  if (rows.length === 0) return "";
  const first = rows[0];
  if (rows.length === 1) return `So far ${first.hidden} units reach ${pct(first.test)} on the test set.`;
  const best = rows.reduce((p, q) => (q.test > p.test ? q : p));
  // Within the best size's own spread over random starts (or half a point) counts as "as good".
  const tol = Math.max(0.005, best.hi - best.lo);
  const enough = rows.find((r) => r.test >= best.test - tol);
  const last = rows[rows.length - 1];
  if (enough === last) {
    return `Test accuracy is still rising at the largest size: ${pct(first.test)} at ${first.hidden} units, ${pct(last.test)} at ${last.hidden}. Try larger networks to see where it levels off.`;
  }
  if (enough === first) {
    return `Even ${first.hidden} units come within ${points(tol)} points of the best test accuracy (${pct(best.test)} at ${best.hidden} units): extra units hardly help here.`;
  }
  return `Test accuracy rises from ${pct(first.test)} at ${first.hidden} units to ${pct(enough.test)} at ${enough.hidden}; beyond ${enough.hidden} units extra units add less than ${points(tol)} points (best ${pct(best.test)} at ${best.hidden}).`;
}

/** The part about the train-test gap: visible when it reaches 2 points somewhere. */
export function sweepGap(rows) {
  if (rows.length === 0) return "";
  const gaps = rows.map((r) => r.train - r.test);
  const i = gaps.indexOf(Math.max(...gaps));
  const r = rows[i];
  if (gaps[i] < 0.02) {
    return `Training and test accuracy stay within ${points(Math.max(0, gaps[i]))} points of each other at every size: no overfitting is visible.`;
  }
  let text = `Training accuracy runs ahead of test accuracy: the gap is largest at ${r.hidden} units, ${pct(r.train)} against ${pct(r.test)} (${points(gaps[i])} points), the part of the training images the network memorised rather than learned (overfitting).`;
  const last = rows[rows.length - 1];
  if (last !== r) text += ` At ${last.hidden} units it is ${points(gaps[gaps.length - 1])} points.`;
  if (rows.length > 1 && gaps[gaps.length - 1] - gaps[0] >= 0.01) text += " The gap grows with the number of units.";
  const perfect = rows.find((q) => q.train >= 0.9995);
  if (perfect) text += ` At ${perfect.hidden} units the network already gets ${pct(perfect.train)} of its training images right: it knows them by heart.`;
  return text;
}

/** The part about the spread over random starts (needs more than one start per size). */
export function sweepSpread(rows) {
  const multi = rows.filter((r) => r.runs > 1);
  if (multi.length === 0) return "";
  const widest = multi.reduce((p, q) => (q.hi - q.lo > p.hi - p.lo ? q : p));
  return `Across ${widest.runs} random starts, test accuracy at one size varies by up to ${points(widest.hi - widest.lo)} points (at ${widest.hidden} units): smaller differences between sizes are noise.`;
}

/** The part comparing with logistic regression. */
export function sweepVsLogistic(rows, lr) {
  if (lr === null || lr === undefined || rows.length === 0) return "";
  const beats = rows.filter((r) => r.test > lr);
  if (beats.length === 0) return `No size here beats logistic regression (${pct(lr)}).`;
  const first = beats[0];
  const allAfter = rows.filter((r) => r.hidden >= first.hidden).every((r) => r.test > lr);
  return allAfter
    ? `From ${first.hidden} units on, every network here beats logistic regression (${pct(lr)}).`
    : `${first.hidden} units is the smallest size here that beats logistic regression (${pct(lr)}).`;
}

/** Chapter 7: where extra units stop helping, the train-test gap, the spread, the comparison. */
export function sweep({ results, lr_test_accuracy = null }) {
  if (!results || results.length === 0) return "";
  const rows = bySize(results);
  return [sweepPlateau(rows), sweepGap(rows), sweepSpread(rows), sweepVsLogistic(rows, lr_test_accuracy)]
    .filter(Boolean).join(" ");
}

/** Accuracy at shift 0 (the unmoved images) or the mean of ±k. */
const atOrZero = (shifts, ys, k) => (k === 0 ? ys[shifts.indexOf(0)] : atShift(shifts, ys, k));

/** "+21.3" / "−4.0" points. */
const signedPoints = (d) => `${d >= 0 ? "+" : "−"}${points(Math.abs(d))}`;

/**
 * Chapter 10's conclusion in its parts (each "" when it has nothing to say): `keeps` what each
 * model keeps at ±1, ±2, ±3; `remedies` the two remedies against the plain network at ±2;
 * `fails` where the CNN still fails; `pooling` what pooling buys (both CNNs on the curve).
 */
export function cnnParts({ shifts, axis = "vertical", wrap = false, lr = null, mlp = null, augmented = null, cnn = null, cnn_flip = null, pool = true, aug = null }) {
  const none = { keeps: "", remedies: "", fails: "", pooling: "" };
  if (!shifts || !shifts.includes(0)) return none;
  const unit = axis === "horizontal" ? "column" : "row";
  const { copies, named } = remedyModels({ lr, mlp, augmented, cnn, aug });
  if (named.length === 0) return none;
  const steps = STEPS.filter((k) => atShift(shifts, named[0][1], k) !== null);
  if (steps.length === 0) return none;
  const at = (ys, k) => atOrZero(shifts, ys, k);
  const out = { ...none };
  const moved = steps.map(String).join(", ").replace(/, (\d)$/, " and $1");
  const units = `${unit}${steps.at(-1) === 1 ? "" : "s"}`;
  const lines = named.map(([name, ys]) => `${name} ${steps.map((k) => pct(at(ys, k))).join(", ")} (${pct(at(ys, 0))} unmoved)`);
  out.keeps = `Moved ${moved} ${units} either way (${wrap ? "wrapping round" : "no wrap"}), the share of test images still read right: ${lines.join("; ")}.`;
  const k = steps.includes(2) ? 2 : steps.at(-1);
  const remedies = [["the CNN", cnn], [copies, augmented]].filter(([, ys]) => ys);
  if (mlp && remedies.length) {
    const gains = remedies.map(([name, ys]) => `${name} ${signedPoints(at(ys, k) - at(mlp, k))} points`);
    out.remedies = `At ±${k}, against the plain hidden-layer network: ${gains.join(", ")}.`;
  }
  if (cnn) {
    const sizes = [...new Set(shifts.map((v) => Math.abs(v)))].filter((v) => v > 0).sort((p, q) => p - q);
    const last = sizes.at(-1);
    const fail = sizes.find((v) => atShift(shifts, cnn, v) < 0.5);
    if (fail !== undefined) {
      const further = fail === last ? "" : `; ${pct(atShift(shifts, cnn, last))} at ±${last}`;
      const blur = pool ? "2 × 2 pooling forgives only about a pixel" : "without pooling nothing blurs the position";
      out.fails = `Where the CNN still fails: from ±${fail} ${unit}${fail === 1 ? "" : "s"} it reads fewer than half the test images right (${pct(atShift(shifts, cnn, fail))}${further}). Its filters find a stroke anywhere, but the output layer still gives every map position its own weight, and ${blur}.`;
    } else if (last !== undefined) {
      out.fails = `Even at ±${last} the CNN keeps ${pct(atShift(shifts, cnn, last))}.`;
    }
  }
  if (cnn && cnn_flip) {
    const [pooled, plain] = pool ? [cnn, cnn_flip] : [cnn_flip, cnn];
    const d = at(pooled, k) - at(plain, k);
    out.pooling = `With pooling the same CNN keeps ${pct(at(pooled, k))} at ±${k}, without it ${pct(at(plain, k))}: pooling ${d >= 0 ? "buys" : "costs"} ${points(Math.abs(d))} points there (unmoved: ${pct(at(pooled, 0))} against ${pct(at(plain, 0))}).`;
  }
  return out;
}

/** The four models of chapter 10's charts that were measured, named for a sentence. */
function remedyModels({ lr, mlp, augmented, cnn, aug }) {
  const copies = aug ? `the network trained on copies shifted by up to ${aug} pixels` : "the network trained on shifted copies";
  const named = [["logistic regression", lr], ["the hidden-layer network", mlp], [copies, augmented], ["the CNN", cnn]].filter(([, ys]) => ys);
  return { copies, named };
}

/** Chapter 10: the two remedies on the chapter 5 curve, as one paragraph. */
export function cnn(facts) {
  const p = cnnParts(facts);
  return [p.keeps, p.remedies, p.fails, p.pooling].filter(Boolean).join(" ");
}

/** Chapter 10: what each model keeps when the digits are turned instead of moved. */
export function rotation({ angles, n = null, lr = null, mlp = null, augmented = null, cnn = null, aug = null }) {
  if (!angles || !angles.includes(0) || !cnn) return "";
  const { named } = remedyModels({ lr, mlp, augmented, cnn, aug });
  const sizes = [...new Set(angles.map((a) => Math.abs(a)))].filter((a) => a > 0).sort((p, q) => p - q);
  if (sizes.length === 0) return "";
  const at = (ys, a) => atOrZero(angles, ys, a);
  const where = n ? ` (the first ${count(n)} test images)` : "";
  const parts = sizes.map((a) => `at ±${a}° ${named.map(([name, ys]) => `${name} ${pct(at(ys, a))}`).join(", ")}`);
  const big = sizes.at(-1);
  const lost = (ys) => points(at(ys, 0) - at(ys, big));
  const others = mlp ? ` (the hidden-layer network ${lost(mlp)})` : "";
  return `Turned rather than moved${where}: ${parts.join("; ")}. At ±${big}° the CNN still loses ${lost(cnn)} points${others}: sharing weights follows a move, not a turn, and a turned stroke is another pattern to its filters.`;
}

export const conclude = { pair, ten, shift, hidden, sweep, cnn, rotation };
