// The widget's one ES module: it turns the lab's modules, sent once from Python as source text,
// into blob: modules whose relative imports point at each other, then mounts the entry view.
// Every view gets its own module instances, so each widget keeps its own data provider.
const IMPORT = /(\bfrom\s*|\bimport\s*)(["'])(\.{1,2}\/[^"']+)\2/g;

/** Instantiate `modules` ([{key, source, deps}], dependencies first); the entry is last. */
function link(modules) {
  const urls = {};
  for (const { key, source, deps } of modules) {
    const text = source.replace(IMPORT, (all, kw, q, spec) => `${kw}${q}${urls[deps[spec]]}${q}`);
    urls[key] = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
  }
  return urls;
}

export default {
  async render({ model, el }) {
    const modules = model.get("_modules");
    const urls = link(modules);
    const root = document.createElement("div");
    root.className = "neuronlab-widget";
    el.append(root);
    let view = null;
    try {
      const entry = await import(urls[modules[modules.length - 1].key]);
      view = await entry.default({ model, el: root });
    } catch (err) {
      root.textContent = `Neuron Lab could not draw this widget: ${err.message}`;
      root.className = "neuronlab-widget error";
    }
    return () => {
      view?.unmount?.();
      for (const url of Object.values(urls)) URL.revokeObjectURL(url);
    };
  },
};
