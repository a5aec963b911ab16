// The notebook's stand-in for ../training.js where a chapter only asks which models to show:
// the models passed to the widget, one logistic regression and one network at most.
import { modelList } from "./data.js";

export async function pickModels() {
  const list = await modelList();
  return {
    lr: list.find((m) => m.kind === "logistic") || null,
    mlp: list.find((m) => m.kind === "mlp") || null,
  };
}
