// A confusion matrix computed in the page, for a network as it was at an epoch of its training.

/**
 * {confusion, test_accuracy} of predictions (indices into `classes`) against dataset labels;
 * images whose label is not one of the model's classes are left out.
 */
export function confusion(labels, predicted, classes) {
  const k = classes.length;
  const index = new Map(classes.map((c, i) => [c, i]));
  const matrix = Array.from({ length: k }, () => new Array(k).fill(0));
  let right = 0;
  let total = 0;
  for (let i = 0; i < predicted.length; i++) {
    const t = index.get(labels[i]);
    if (t === undefined) continue;
    matrix[t][predicted[i]] += 1;
    total += 1;
    if (t === predicted[i]) right += 1;
  }
  return { confusion: matrix, test_accuracy: total ? right / total : 0 };
}
