// The words the page uses for its dataset's classes: "digit" and "3" on MNIST, "class" and
// "Ankle boot" on Fashion-MNIST or any folder whose class names are not the ten digits. Read
// once from the dataset's facts (GET /api/dataset, or the widget's `dataset` trait) before a
// chapter mounts; until then, and when the facts cannot be read, the words are the digits'.
import { datasetInfo, presets } from "./data.js";
import { modelName } from "./modelname.js";

const DIGIT_NAMES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
let names = DIGIT_NAMES;
let ready = null;

/** Read the dataset's class names once; resolves (never rejects) when the words are known. */
export function loadWords() {
  ready ??= Promise.resolve()
    .then(() => datasetInfo())
    .then((info) => setClassNames(info?.class_names))
    .catch(() => setClassNames(null));
  return ready;
}

/** Use these class names (null: the digits). The tests and the notebook call it directly. */
export function setClassNames(list) {
  names = Array.isArray(list) && list.length === 10 ? list.map(String) : DIGIT_NAMES;
}

/** True when the classes are the ten digits, so "digit" is the right word for one. */
export const isDigits = () => names.every((n, i) => n === String(i));

/** Class c's name as a label ("3", "Ankle boot"). */
export const className = (c) => names[c] ?? String(c);

/** Class c's name inside a sentence ("a 3" reads "3"; "Ankle boot" reads "ankle boot"). */
export function classWord(c) {
  const n = className(c);
  // Lower-case a capitalised word, not an abbreviation such as "T-shirt/top".
  return /^[A-Z][a-z]/.test(n) ? n[0].toLowerCase() + n.slice(1) : n;
}

/** "a 3", "an 8", "an ankle boot", "a trouser": class c with its article. */
export function aClass(c) {
  const w = classWord(c);
  const an = /^[aeiou]/i.test(w) || /^(8|11|18)(\D|$)/.test(w);
  return `${an ? "an" : "a"} ${w}`;
}

/** Labels of all ten classes, in class order. */
export const classNames = () => [...names];

/** {0: "T-shirt/top", ...}: the option labels of a field that picks a class. */
export const classLabels = () => Object.fromEntries(names.map((n, i) => [i, n]));

/** The nouns: one item, many items, and an image of the dataset ("test digits"/"test images"). */
export const noun = () => (isDigits() ? "digit" : "class");
export const nouns = () => (isDigits() ? "digits" : "classes");
export const item = () => (isDigits() ? "digit" : "image");
export const items = () => (isDigits() ? "digits" : "images");

/** The page's tagline under the brand. */
export const tagline = () =>
  isDigits()
    ? "How a neural network learns its own features from handwritten digits"
    : "How a neural network learns its own features from images";

/** A phrase with the right words: `phrase("Ten {nouns}, one vs rest")` -> "Ten classes, ...". */
export function phrase(text) {
  return text
    .replaceAll("{a item}", isDigits() ? "a digit" : "an image")
    .replaceAll("{noun}", noun())
    .replaceAll("{nouns}", nouns())
    .replaceAll("{item}", item())
    .replaceAll("{items}", items())
    .replace(/^\{Noun\}/, cap(noun()))
    .replace(/^\{Nouns\}/, cap(nouns()))
    .replace(/^\{Item\}/, cap(item()))
    .replace(/^\{Items\}/, cap(items()));
}
const cap = (s) => s[0].toUpperCase() + s.slice(1);

/** A function naming model summaries readably (modelname.js) with this dataset's words. */
export async function modelNamer() {
  const [known, info] = await Promise.all([presets().catch(() => null), datasetInfo().catch(() => null)]);
  return (m) => modelName(m, { presets: known, classNames: names, trainCounts: info?.train_class_counts ?? null });
}
