// Colour scales, as 256-entry lookup tables (RGBA bytes) so painting a pixel is one index.

function ramp(stops) {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[i * 4 + c] = stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f;
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

/** Weights: blue (negative, inhibitory) - white - red (positive, excitatory). */
export const RED_BLUE = ramp([
  [33, 102, 172],
  [146, 197, 222],
  [255, 255, 255],
  [244, 165, 130],
  [178, 24, 43],
]);

/** Input x weight: magenta (pushes the output down) - white - green (pushes it up). */
export const GREEN_MAGENTA = ramp([
  [197, 27, 125],
  [241, 182, 218],
  [255, 255, 255],
  [184, 225, 134],
  [77, 146, 33],
]);

/** Pixel intensity and unit outputs: black (0) to white (1). */
export const GREY = ramp([
  [0, 0, 0],
  [255, 255, 255],
]);

/** Index into a LUT for value v on [lo, hi]. */
export function lutIndex(v, lo, hi) {
  const t = (v - lo) / (hi - lo);
  return t <= 0 ? 0 : t >= 1 ? 255 : (t * 255) | 0;
}

/** CSS colour of value v on [lo, hi] in a LUT. */
export function cssColor(lut, v, lo, hi) {
  const i = lutIndex(v, lo, hi) * 4;
  return `rgb(${lut[i]},${lut[i + 1]},${lut[i + 2]})`;
}

/** The largest absolute value in an array (at least `floor`): the symmetric range of a map. */
export function absMax(values, floor = 1e-6) {
  let m = floor;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return m;
}
