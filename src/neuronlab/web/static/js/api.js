// Talking to the lab's server: JSON, binary arrays and server-sent training events.

/** An error answer from the server, carrying its one-sentence `detail`. */
export class ApiError extends Error {}

async function check(response) {
  if (response.ok) return response;
  let detail = `The server answered ${response.status}; try reloading the page.`;
  try {
    const body = await response.json();
    if (typeof body.detail === "string") detail = body.detail;
    else if (Array.isArray(body.detail)) detail = body.detail.map((d) => d.msg).join("; ");
  } catch {
    // The body was not JSON: keep the generic sentence.
  }
  throw Object.assign(new ApiError(detail), { status: response.status });
}

/**
 * The dataset the page works on: the `data` field of its URL (the page reloads when it
 * changes), sent with every API call; none means the one the lab was started with.
 */
export const DATASET = new URLSearchParams(location.hash.replace(/^#/, "")).get("data") || "";

/** `url` with the page's dataset as its `data` parameter (unchanged for the default one). */
export function withData(url) {
  if (!DATASET || DATASET === "default" || !url.startsWith("/api/")) return url;
  return `${url}${url.includes("?") ? "&" : "?"}data=${encodeURIComponent(DATASET)}`;
}

export async function getJSON(url) {
  return (await check(await fetch(withData(url)))).json();
}

export async function postJSON(url, body) {
  const response = await fetch(withData(url), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await check(response)).json();
}

export async function del(url) {
  return (await check(await fetch(withData(url), { method: "DELETE" }))).json();
}

export async function upload(url, file) {
  const form = new FormData();
  form.append("file", file);
  // The header tells the server this comes from the lab's own page, not another site's form.
  return (await check(await fetch(withData(url), { method: "POST", body: form, headers: { "X-Neuronlab": "1" } }))).json();
}

const TYPED = { uint8: Uint8Array, u1: Uint8Array, float32: Float32Array, f4: Float32Array, int32: Int32Array, i4: Int32Array };

function typedFor(dtype) {
  const key = (dtype || "float32").replace(/^[<|=]/, "");
  return TYPED[key] || Float32Array;
}

/** Fetch a binary array: {data: TypedArray, shape: number[]}. */
export async function getArray(url) {
  const response = await check(await fetch(withData(url)));
  const shape = (response.headers.get("X-Shape") || "").split(",").filter(Boolean).map(Number);
  const Typed = typedFor(response.headers.get("X-Dtype"));
  const data = new Typed(await response.arrayBuffer());
  return { data, shape: shape.length ? shape : [data.length] };
}

/** Decode base64 little-endian float32 (weights inside events) into a Float32Array. */
export function decodeFloat32(b64) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

/**
 * Follow a job's events. `on` maps event names (progress, weights, result, done, error, cancelled) to
 * handlers. Returns the EventSource; it closes itself after the final event.
 */
export function follow(jobId, on) {
  const source = new EventSource(withData(`/api/jobs/${encodeURIComponent(jobId)}/events`));
  let finished = false;
  for (const name of ["progress", "weights", "result", "done", "error", "cancelled"]) {
    source.addEventListener(name, (event) => {
      const data = event.data ? JSON.parse(event.data) : {};
      if (["done", "error", "cancelled"].includes(name)) {
        finished = true;
        source.close();
      }
      on[name]?.(data);
    });
  }
  source.onerror = () => {
    if (finished) return;
    finished = true;
    source.close();
    on.error?.({ detail: "Lost the connection to the server; check that the lab is still running." });
  };
  return source;
}
