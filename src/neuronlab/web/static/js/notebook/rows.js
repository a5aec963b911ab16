// Widget: the web lab's chapter 2, a digit as rows of numbers, on the kernel's test images.
import rows from "../chapters/rows.js";
import { mountChapter, traitsFor } from "./host.js";

export default (host) => mountChapter(host, rows, traitsFor({ cls: "digit", k: "position", row: "row" }));
