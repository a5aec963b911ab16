// Page state: each chapter declares its fields once; the URL hash is derived from that table.
// A field is {name, type, default, min, max, step, options, ladder, label}; type is one of
// "int", "float", "bool", "enum", "str" or "ints" (a comma-separated list of integers).
// A float field with a `ladder` (sorted values, e.g. 1-2-5 steps of a log scale) only takes
// those values: a raw value snaps to the nearest rung, so a link always names a model setting.

/** The rung of `ladder` nearest to `v` on a log scale (linear when a rung is not positive). */
export function snapToLadder(ladder, v) {
  const log = ladder[0] > 0 && v > 0;
  const d = (r) => (log ? Math.abs(Math.log(r) - Math.log(v)) : Math.abs(r - v));
  return ladder.reduce((best, r) => (d(r) < d(best) ? r : best), ladder[0]);
}

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
      if (!Number.isFinite(v)) return undefined;
      return field.ladder ? snapToLadder(field.ladder, v) : clamp(v);
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
  // Six significant digits: exact for the sliders' steps and for small values such as C = 1e-5.
  if (field.type === "float") return String(Number(Number(value).toPrecision(6)));
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
  // Generic, kept small (teach helper): fields no chapter owns survive the page's rewrites;
  // ex=<id> names the exercise a teacher linked to (exercises.js reads it).
  const current = hashParams(globalThis.location?.hash ?? "");
  for (const name of KEPT_FIELDS) if (current.has(name)) params.set(name, current.get(name));
  return `#${params.toString().replaceAll("%2C", ",")}`;
}

/** Hash fields that belong to no chapter's state but stay in the URL while it changes. */
export const KEPT_FIELDS = ["ex", "data"];

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

  /**
   * Rewrite the URL hash soon after the last change: browsers throttle rapid history calls.
   * If the URL changed meanwhile by other means (a link, the back button), that new URL wins:
   * its hashchange will apply it, so the pending write of the older state is dropped.
   */
  writeHash() {
    clearTimeout(this.hashTimer);
    this.hashTimer = setTimeout(() => {
      if (this.lastHash !== undefined && location.hash !== this.lastHash) return;
      this.lastHash = formatHash(this.ch, this.fields, this.state);
      history.replaceState(null, "", this.lastHash);
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
 * For a redraw that ends after an await (e.g. a replay frame waiting for its snapshot): record
 * the time from the input event's timestamp `t0` to now, as `kind`, in bench mode.
 */
export function recordAsyncTiming(kind, t0) {
  if (BENCH) recordTimings([{ kind, t0, h0: t0 }]);
}

/**
 * Record, for each input event, the time from its timestamp to now (the end of its redraw):
 * `ms`, and the part spent after the page's handler started: `work`.
 */
function recordTimings(started) {
  if (!BENCH || started.length === 0) return;
  const end = performance.now();
  for (const { kind, t0, h0 } of started) window.__timings.push({ kind, ms: end - t0, work: end - h0 });
}
