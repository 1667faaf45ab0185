// Pixel operations on one-channel images for slip reading: contrast, borders, skew and
// orientation. Pure and synchronous; they run in the image threads (image-thread.ts), never on
// the main thread.

export type Gray = { data: Buffer; width: number; height: number };
export type Box = { x0: number; y0: number; x1: number; y1: number };

export function firstChannel(data: Buffer, channels: number): Buffer {
  if (channels === 1) return data;
  const out = Buffer.alloc(data.length / channels);
  for (let i = 0, j = 0; j < out.length; i += channels, j++) out[j] = data[i] ?? 0;
  return out;
}

export function histogramOf(data: Buffer, step = 1): { histogram: Uint32Array; count: number } {
  const histogram = new Uint32Array(256);
  let count = 0;
  for (let i = 0; i < data.length; i += step) {
    const v = data[i] ?? 0;
    histogram[v] = (histogram[v] ?? 0) + 1;
    count++;
  }
  return { histogram, count };
}

export function quantile(histogram: Uint32Array, count: number, q: number): number {
  for (let v = 0, acc = 0; v < 256; v++) {
    acc += histogram[v] ?? 0;
    if (acc >= count * q) return v;
  }
  return 255;
}

export function medianOfCentre(gray: Gray): number {
  const histogram = new Uint32Array(256);
  const x0 = Math.floor(gray.width * 0.2);
  const x1 = Math.ceil(gray.width * 0.8);
  const y0 = Math.floor(gray.height * 0.2);
  const y1 = Math.ceil(gray.height * 0.8);
  let count = 0;
  for (let y = y0; y < y1; y += 2) {
    for (let x = x0; x < x1; x += 2) {
      const v = gray.data[y * gray.width + x] ?? 0;
      histogram[v] = (histogram[v] ?? 0) + 1;
      count++;
    }
  }
  return quantile(histogram, count, 0.5);
}

/** The median of the outermost pixels: what a rotation should fill its corners with. */
export function borderMedian(gray: Gray): number {
  const { width, height, data } = gray;
  const histogram = new Uint32Array(256);
  let count = 0;
  const add = (v: number | undefined): void => {
    histogram[v ?? 0] = (histogram[v ?? 0] ?? 0) + 1;
    count++;
  };
  for (let x = 0; x < width; x += 2) {
    add(data[x]);
    add(data[(height - 1) * width + x]);
  }
  for (let y = 0; y < height; y += 2) {
    add(data[y * width]);
    add(data[y * width + width - 1]);
  }
  return quantile(histogram, count, 0.5);
}

export function standardDeviation(gray: Gray): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let i = 0; i < gray.data.length; i += 5) {
    const v = gray.data[i] ?? 0;
    sum += v;
    sumSq += v * v;
    n++;
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
}

/**
 * A copy with the 1st-99th percentile stretched to full range (and turned
 * to dark-on-light for dark-mode slips). sharp's normalise() does the same
 * but costs ~100 ms on a slip; a lookup table here costs a few.
 */
export function stretchContrast(gray: Gray, invert: boolean): Gray {
  const { histogram, count } = histogramOf(gray.data);
  const low = quantile(histogram, count, 0.01);
  let high = 255;
  for (let v = 255, acc = 0; v >= 0; v--) {
    acc += histogram[v] ?? 0;
    if (acc > count * 0.01) {
      high = v;
      break;
    }
  }
  const span = Math.max(1, high - low);
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const stretched = Math.round(((Math.min(high, Math.max(low, v)) - low) * 255) / span);
    lut[v] = invert ? 255 - stretched : stretched;
  }
  const out = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i++) out[i] = lut[gray.data[i] ?? 0] ?? 0;
  return { data: out, width: gray.width, height: gray.height };
}

/**
 * White text on a dark band (a coloured header with the amount in it) turned
 * into dark text on light, in place: OCR reading a mostly light page skips
 * lines of the other polarity. Works on strips of rows; a strip whose median
 * is dark is inverted.
 */
export function lightenDarkBands(gray: Gray, strip = 8): void {
  const { width, height, data } = gray;
  const histogram = new Uint32Array(256);
  for (let y0 = 0; y0 < height; y0 += strip) {
    const y1 = Math.min(height, y0 + strip);
    histogram.fill(0);
    let count = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = 0; x < width; x += 3) {
        const v = data[y * width + x] ?? 0;
        histogram[v] = (histogram[v] ?? 0) + 1;
        count++;
      }
    }
    if (quantile(histogram, count, 0.5) >= 100) continue;
    for (let i = y0 * width; i < y1 * width; i++) data[i] = 255 - (data[i] ?? 0);
  }
}

export function whiteOut(gray: Gray, box: Box): void {
  const x0 = Math.max(0, Math.floor(box.x0));
  const x1 = Math.min(gray.width, Math.ceil(box.x1));
  for (let y = Math.max(0, Math.floor(box.y0)); y < Math.min(gray.height, Math.ceil(box.y1)); y++) {
    gray.data.fill(255, y * gray.width + x0, y * gray.width + x1);
  }
}

export function otsuThreshold(data: Buffer): number {
  const { histogram, count: total } = histogramOf(data);
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * (histogram[v] ?? 0);
  let sumBelow = 0;
  let weightBelow = 0;
  let best = 128;
  let bestVariance = -1;
  for (let t = 0; t < 256; t++) {
    weightBelow += histogram[t] ?? 0;
    if (weightBelow === 0 || weightBelow === total) continue;
    sumBelow += t * (histogram[t] ?? 0);
    const meanBelow = sumBelow / weightBelow;
    const meanAbove = (sumAll - sumBelow) / (total - weightBelow);
    const variance = weightBelow * (total - weightBelow) * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  return best;
}

export function binarize(gray: Gray): void {
  const threshold = otsuThreshold(gray.data);
  for (let i = 0; i < gray.data.length; i++) gray.data[i] = (gray.data[i] ?? 0) > threshold ? 255 : 0;
}

/**
 * The part of the image that is not a flat border: a slip pasted on a
 * plain canvas, or letterboxed by a chat app, would otherwise be shrunk
 * with its border to OCR width until its text is too small to read. Only
 * a border of one colour is cut; a textured photo background is left.
 */
export function contentBox(gray: Gray): { left: number; top: number; width: number; height: number } | null {
  const { width, height, data } = gray;
  const corners = [data[0], data[width - 1], data[(height - 1) * width], data[height * width - 1]].map((v) => v ?? 0);
  corners.sort((a, b) => a - b);
  const background = ((corners[1] ?? 0) + (corners[2] ?? 0)) / 2;
  const differs = (v: number | undefined): boolean => Math.abs((v ?? 0) - background) > 24;
  const rowHasContent = (y: number): boolean => {
    let n = 0;
    for (let x = 0; x < width; x++) if (differs(data[y * width + x])) n++;
    return n > width * 0.005;
  };
  const colHasContent = (x: number, y0: number, y1: number): boolean => {
    let n = 0;
    for (let y = y0; y < y1; y++) if (differs(data[y * width + x])) n++;
    return n > (y1 - y0) * 0.005;
  };
  let top = 0;
  while (top < height && !rowHasContent(top)) top++;
  if (top === height) return null;
  let bottom = height - 1;
  while (bottom > top && !rowHasContent(bottom)) bottom--;
  let left = 0;
  while (left < width && !colHasContent(left, top, bottom + 1)) left++;
  let right = width - 1;
  while (right > left && !colHasContent(right, top, bottom + 1)) right--;
  // Not worth a resample for a thin border.
  if (right - left + 1 > width * 0.9 && bottom - top + 1 > height * 0.9) return null;
  const margin = Math.round(Math.max(width, height) * 0.01);
  const x0 = Math.max(0, left - margin);
  const y0 = Math.max(0, top - margin);
  return { left: x0, top: y0, width: Math.min(width, right + margin + 1) - x0, height: Math.min(height, bottom + margin + 1) - y0 };
}

// ---------------------------------------------------------------------------
// Skew and orientation from the text itself

type EdgePoints = { xs: Float32Array; ys: Float32Array; n: number };

/** Pixels on a strong vertical or horizontal edge: the strokes of letters. */
function edgePoints(gray: Gray): EdgePoints {
  const { width, height, data } = gray;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const dx = Math.abs((data[row + x + 1] ?? 0) - (data[row + x - 1] ?? 0));
      const dy = Math.abs((data[row + x + width] ?? 0) - (data[row + x - width] ?? 0));
      if (dx > 60 || dy > 60) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  return { xs: Float32Array.from(xs), ys: Float32Array.from(ys), n: xs.length };
}

/**
 * How strongly the points gather into parallel lines at `degrees` from the
 * horizontal (or, with `vertical`, from the vertical): the projection's
 * squared bin counts against what an even spread would give. Text lines
 * make it spiky; its value does not depend on the image's size.
 */
function banding(points: EdgePoints, degrees: number, vertical: boolean, extent: number): number {
  const t = Math.tan((degrees * Math.PI) / 180);
  const size = Math.ceil(extent * (1 + Math.abs(t))) + 4;
  const bins = new Float64Array(size * 2);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < points.n; i++) {
    const x = points.xs[i] ?? 0;
    const y = points.ys[i] ?? 0;
    // Distance along the normal to the lines, in pixels.
    const d = Math.round(vertical ? x - y * t : y - x * t) + size;
    bins[d] = (bins[d] ?? 0) + 1;
    if (d < min) min = d;
    if (d > max) max = d;
  }
  let sumSq = 0;
  for (let b = min; b <= max; b++) sumSq += (bins[b] ?? 0) ** 2;
  const span = Math.max(1, max - min + 1);
  return (sumSq * span) / (points.n * points.n);
}

function bestAngle(points: EdgePoints, vertical: boolean, extent: number, range: number): { angle: number; score: number } {
  let best = { angle: 0, score: banding(points, 0, vertical, extent) };
  for (let a = -range; a <= range; a += 1) {
    const score = banding(points, a, vertical, extent);
    if (score > best.score) best = { angle: a, score };
  }
  const coarse = best.angle;
  for (let a = coarse - 0.8; a <= coarse + 0.8; a += 0.2) {
    const score = banding(points, a, vertical, extent);
    if (score > best.score) best = { angle: a, score };
  }
  return best;
}

export type TextOrientation = {
  /** Degrees clockwise the text lines run from the horizontal (within ±range); 0 when sideways. */
  skew: number;
  /** The lines run top to bottom: the image lies on its side (90 or 270 degrees). */
  sideways: boolean;
};

/**
 * Which way the lines of text run, on a small copy of the image (~400 px):
 * the skew within ±range degrees, and whether the page lies on its side.
 * Whether it is upside down cannot be told from lines alone.
 */
export function estimateTextOrientation(gray: Gray, range = 25): TextOrientation | null {
  const points = edgePoints(gray);
  if (points.n < 200) return null;
  const extent = Math.max(gray.width, gray.height);
  const horizontal = bestAngle(points, false, extent, range);
  const vertical = bestAngle(points, true, extent, range);
  if (vertical.score > horizontal.score * 1.15) return { skew: 0, sideways: true };
  return { skew: Math.round(horizontal.angle * 10) / 10, sideways: false };
}

/**
 * A quiet band near the middle, so two halves can be read apart. Faint grey
 * print counts as content too: a cut through it loses the line.
 */
export function findSplitRow(gray: Gray): number {
  const { width, height, data } = gray;
  const energy = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let e = 0;
    for (let x = 1; x < width; x++) if (Math.abs((data[row + x] ?? 0) - (data[row + x - 1] ?? 0)) > 12) e++;
    energy[y] = e;
  }
  // The quietest row whose neighbours are quiet too: the middle of a gap
  // between lines, not the sliver under one line's vowels.
  const reach = 5;
  let bestRow = Math.floor(height / 2);
  let bestScore = Infinity;
  for (let y = Math.floor(height * 0.35); y <= Math.ceil(height * 0.6); y++) {
    let score = 0;
    for (let k = -reach; k <= reach; k++) score = Math.max(score, energy[Math.min(height - 1, Math.max(0, y + k))] ?? 0);
    score += Math.abs(y - height * 0.48) / height;
    if (score < bestScore) {
      bestScore = score;
      bestRow = y;
    }
  }
  return bestRow;
}
