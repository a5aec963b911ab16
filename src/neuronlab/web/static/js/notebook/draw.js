// Widget: the web lab's chapter 8, a drawing pad read live by the kernel's models.
import draw from "../chapters/draw.js";
import { mountChapter, traitsFor } from "./host.js";

export default (host) => mountChapter(host, draw, traitsFor({ img: "index" }));
