// Binding a view's state to the widget: the lab's Store, with synced traits in place of the URL.
import { Store } from "../state.js";
import { loadWords } from "../words.js";
import { connect } from "./data.js";

/**
 * A Store whose state is read from and written to the widget's traits. `bind` has
 * `traits` (names to follow), `toState(model)` and `toTraits(state)`.
 */
class WidgetStore extends Store {
  constructor(model, fields, bind, render) {
    super(0, fields, bind.toState(model), render);
    this.model = model;
    this.bind = bind;
    this.follow = () => this.set(bind.toState(model));
    for (const t of bind.traits) model.on(`change:${t}`, this.follow);
  }

  /** Where the page writes its URL hash, the widget syncs its traits back to the kernel. */
  writeHash() {
    for (const [k, v] of Object.entries(this.bind.toTraits(this.state))) this.model.set(k, v);
    this.model.save_changes();
  }

  dispose() {
    for (const t of this.bind.traits) this.model.off(`change:${t}`, this.follow);
  }
}

/** One trait per field: `names` maps a field's name to its trait's name. */
export const traitsFor = (names) => {
  const pairs = Object.entries(names);
  return {
    traits: pairs.map(([, t]) => t),
    toState: (model) => Object.fromEntries(pairs.map(([f, t]) => [f, model.get(t)])),
    toTraits: (state) => Object.fromEntries(pairs.map(([f, t]) => [t, state[f]])),
  };
};

/**
 * Mount `mount(root, store)` (a chapter's, or a widget view's) in `el`, its state bound to the
 * widget's traits, once the dataset's class names are known. Resolves to {unmount} for the loader.
 */
export async function mountView({ model, el }, fields, mount, bind) {
  connect(model);
  await loadWords();
  let view = null;
  const store = new WidgetStore(model, fields, bind, (s, changed) => view.update(s, changed));
  view = mount(el, store);
  view.update(store.state, new Set(fields.map((f) => f.name)));
  return {
    unmount() {
      view.unmount?.();
      store.dispose();
    },
  };
}

/** Mount a whole chapter of the web lab. */
export const mountChapter = (host, chapter, bind) => mountView(host, chapter.fields, chapter.mount, bind);
