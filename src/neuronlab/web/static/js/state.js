// Page state: each chapter declares its fields once; the URL hash is derived from that table.
// A field is {name, type, default, min, max, step, options, label}; type is one of
// "int", "float", "bool", "enum", "str" or "ints" (a comma-separated list of integers).

/** Parse one raw hash value for a field; undefined when it is not valid for the field. */
export function parseValue(field, raw) {
  if (raw === null || raw === undefined) return undefined;
  const clamp = (v) => Math.min(field.max ?? Infinity, Math.max(field.min ?? -Infinity, v));
  switch (field.type) {
    case "int": {
      const v = Number.parseInt(raw, 10);
      return Number.isFinite(v) ? clamp(v) : undefined;
    }
    case "float": {
      const v = Number.parseFloat(raw);
      return Number.isFinite(v) ? clamp(v) : undefined;
    }
    case "bool":
      return raw === "1" || raw === "true";
    case "enum":
      return field.options.includes(raw) ? raw : undefined;
    case "ints": {
      const v = raw.split(",").map((s) => Number.parseInt(s, 10));
      if (v.length === 0 || v.some((x) => !Number.isFinite(x))) return undefined;
      return v.map(clamp);
    }
    default:
      return String(raw);
  }
}

/** Format a value for the hash (the inverse of parseValue). */
export function formatValue(field, value) {
  if (field.type === "bool") return value ? "1" : "0";
  if (field.type === "ints") return value.join(",");
  if (field.type === "float") return String(Math.round(value * 1000) / 1000);
  return String(value);
}

/** The state for `fields` read from URL parameters, with defaults for missing or bad values. */
export function readState(fields, params) {
  const state = {};
  for (const f of fields) {
    const v = parseValue(f, params.get(f.name));
    state[f.name] = v === undefined ? structuredClone(f.default) : v;
  }
  return state;
}

/** The hash for chapter `ch` in `state`: every field, so a link names the exact view. */
export function formatHash(ch, fields, state) {
  const params = new URLSearchParams({ ch: String(ch) });
  for (const f of fields) params.set(f.name, formatValue(f, state[f.name]));
  return `#${params.toString().replaceAll("%2C", ",")}`;
}

/** URL parameters of a hash such as "#ch=3&a=1&b=8". */
export function hashParams(hash) {
  return new URLSearchParams(hash.replace(/^#/, ""));
}

const HASH_DELAY_MS = 120;

/**
 * Holds one chapter's state. `set` updates values, rewrites the hash and schedules one redraw
 * per frame; `listen` lets bound controls follow changes that come from elsewhere.
 */
export class Store {
  constructor(ch, fields, initial, render) {
    this.ch = ch;
    this.fields = fields;
    this.state = initial;
    this.render = render;
    this.listeners = [];
    this.changed = new Set();
    this.started = [];
    this.frameBusy = false;
  }

  get(name) {
    return this.state[name];
  }

  listen(fn) {
    this.listeners.push(fn);
  }

  /** Apply `patch`; `timing` ({kind, t0}) marks an input event whose redraw is timed. */
  set(patch, timing) {
    for (const [k, v] of Object.entries(patch)) {
      if (JSON.stringify(this.state[k]) === JSON.stringify(v)) continue;
      this.state[k] = v;
      this.changed.add(k);
    }
    if (timing) this.started.push({ ...timing, h0: performance.now() });
    if (this.changed.size === 0 && this.started.length === 0) return;
    if (this.changed.size > 0) {
      for (const fn of this.listeners) fn(this.state, this.changed);
      this.writeHash();
    }
    this.schedule();
  }

  /** Rewrite the URL hash soon after the last change: browsers throttle rapid history calls. */
  writeHash() {
    clearTimeout(this.hashTimer);
    this.hashTimer = setTimeout(() => {
      history.replaceState(null, "", formatHash(this.ch, this.fields, this.state));
    }, HASH_DELAY_MS);
  }

  /** Stop a pending hash write (the chapter is being left). */
  dispose() {
    clearTimeout(this.hashTimer);
  }

  /** Redraw now if nothing was drawn yet this frame, otherwise once at the next frame. */
  schedule() {
    if (this.frameBusy) {
      this.pending = true;
      return;
    }
    this.flush();
    this.frameBusy = true;
    requestAnimationFrame(() => {
      this.frameBusy = false;
      if (this.pending) {
        this.pending = false;
        this.flush();
      }
    });
  }

  flush() {
    const changed = this.changed;
    const started = this.started;
    this.changed = new Set();
    this.started = [];
    this.render(this.state, changed);
    recordTimings(started);
  }
}

/** True when the page was opened with ?bench: redraw times go to window.__timings. */
const BENCH = new URLSearchParams(location.search).has("bench");
if (BENCH) window.__timings = [];

/**
 * Record, for each input event, the time from its timestamp to now (the end of its redraw):
 * `ms`, and the part spent after the page's handler started: `work`.
 */
function recordTimings(started) {
  if (!BENCH || started.length === 0) return;
  const end = performance.now();
  for (const { kind, t0, h0 } of started) window.__timings.push({ kind, ms: end - t0, work: end - h0 });
}
