// Widget: the web lab's chapter 5, moving a digit, with the kernel's models and accuracy curves.
import shift from "../chapters/shift.js";
import { mountChapter, traitsFor } from "./host.js";

export default (host) =>
  mountChapter(host, shift, traitsFor({ img: "index", dy: "dy", dx: "dx", wrap: "wrap", row: "row", axis: "axis" }));
