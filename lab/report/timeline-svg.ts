/**
 * Renders the cutover timeline as one self-contained SVG (no fonts, scripts or links):
 * a stacked bar per bucket (requests by the version that answered, failures in red on top),
 * a dashed vertical line per mark, axes in seconds and requests per bucket, and a legend.
 * Pure: same input, same string.
 */
import { bucketize, NO_VERSION, type Bucket } from "../load/stats";
import type { LoadMark, LoadResult } from "../load/types";

export interface TimelineInput {
  readonly title: string;
  readonly buckets: readonly Bucket[];
  readonly marks: readonly LoadMark[];
  /** Bucket width; @default the spacing of the first two buckets, else 100 */
  readonly bucketMs?: number;
}

export const ERROR_COLOR = "#d62728";
const NO_VERSION_COLOR = "#9e9e9e";
/** Colour-blind-friendly, in the order versions sort (v1 blue, v2 green, ...). */
const VERSION_PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#bcbd22"];

const WIDTH = 960;
const PLOT_H = 300;
/** Title and legend sit above the mark-label band, which sits above the plot. */
const HEADER_H = 60;
const MARK_LABEL_ROW_H = 14;
const MARGIN = { right: 24, bottom: 56, left: 64 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
/** A bar narrower than this is drawn without a gap to its neighbour, so dense runs do not look striped. */
const MIN_WIDTH_FOR_GAP = 8;

interface Layout {
  /** Top of the plot area. */
  readonly top: number;
  /** Height of the whole picture. */
  readonly height: number;
}

export function renderTimelineSvg(input: TimelineInput): string {
  const bucketMs = input.bucketMs ?? inferBucketMs(input.buckets);
  const versions = versionOrder(input.buckets);
  const colors = colorMap(versions);
  const domain = timeDomain(input.buckets, input.marks, bucketMs);
  const x = (ms: number) => MARGIN.left + ((ms - domain.from) / (domain.to - domain.from)) * PLOT_W;
  const labels = placeMarkLabels(input.marks, x);
  const rows = labels.reduce((most, label) => Math.max(most, label.row + 1), 0);
  const top = HEADER_H + rows * MARK_LABEL_ROW_H + 8;
  const height = top + PLOT_H + MARGIN.bottom;
  const layout: Layout = { top, height };
  let yMax = 0;
  for (const bucket of input.buckets) yMax = Math.max(yMax, bucket.count);
  yMax = niceCeiling(Math.max(1, yMax));
  const y = (count: number) => layout.top + PLOT_H - (count / yMax) * PLOT_H;

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(input.title)}</title>`,
    `<rect class="background" x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${MARGIN.left}" y="24" font-size="16" font-weight="bold">${escapeXml(input.title)}</text>`,
    ...legend(versions, colors),
    ...yAxis(layout, yMax, y, bucketMs),
    ...xAxis(layout, domain, x),
    ...bars(input.buckets, versions, colors, bucketMs, x, y),
    ...markLines(layout, labels),
    `</svg>`,
  ];
  return parts.join("\n") + "\n";
}

/** The usual chart of a finished load run: requests per `bucketMs` (default 100 ms) with the run's marks. */
export function renderLoadTimelineSvg(title: string, result: Pick<LoadResult, "samples" | "marks">, bucketMs = 100): string {
  return renderTimelineSvg({ title, buckets: bucketize(result.samples, bucketMs), marks: result.marks, bucketMs });
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function inferBucketMs(buckets: readonly Bucket[]): number {
  return buckets.length >= 2 && buckets[1].startMs > buckets[0].startMs ? buckets[1].startMs - buckets[0].startMs : 100;
}

/** Versions sorted so v1 stacks below v2; the unreadable-version bucket goes last. */
function versionOrder(buckets: readonly Bucket[]): string[] {
  const seen = new Set<string>();
  for (const bucket of buckets) for (const version of Object.keys(bucket.versions)) seen.add(version);
  return [...seen].sort((a, b) => (a === NO_VERSION ? 1 : b === NO_VERSION ? -1 : a.localeCompare(b, "en", { numeric: true })));
}

function colorMap(versions: readonly string[]): Map<string, string> {
  let next = 0;
  return new Map(
    versions.map((v) => [v, v === NO_VERSION ? NO_VERSION_COLOR : VERSION_PALETTE[next++ % VERSION_PALETTE.length]]),
  );
}

function timeDomain(buckets: readonly Bucket[], marks: readonly LoadMark[], bucketMs: number): { from: number; to: number } {
  const times = [...buckets.map((b) => b.startMs), ...marks.map((m) => m.atMs)];
  const from = Math.min(0, ...times);
  const to = Math.max(from + bucketMs, ...buckets.map((b) => b.startMs + bucketMs), ...marks.map((m) => m.atMs));
  return { from, to };
}

/** The smallest 1, 2 or 5 x 10^k at or above `value`. */
export function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((f) => f * magnitude).find((candidate) => candidate >= value)!;
}

function yAxis(layout: Layout, yMax: number, y: (count: number) => number, bucketMs: number): string[] {
  const step = niceCeiling(yMax / 5);
  const out = [`<g class="y-axis" font-size="11" fill="#333333">`];
  for (let value = 0; value <= yMax + 1e-9; value += step) {
    const at = round(y(value));
    out.push(
      `<line x1="${MARGIN.left}" y1="${at}" x2="${MARGIN.left + PLOT_W}" y2="${at}" stroke="#e6e6e6"/>`,
      `<text x="${MARGIN.left - 6}" y="${round(at + 4)}" text-anchor="end">${formatNumber(value)}</text>`,
    );
  }
  const midY = layout.top + PLOT_H / 2;
  out.push(
    `<line x1="${MARGIN.left}" y1="${layout.top}" x2="${MARGIN.left}" y2="${layout.top + PLOT_H}" stroke="#333333"/>`,
    `<text x="16" y="${midY}" text-anchor="middle" transform="rotate(-90 16 ${midY})">requests / ${formatNumber(bucketMs)} ms</text>`,
    `</g>`,
  );
  return out;
}

function xAxis(layout: Layout, domain: { from: number; to: number }, x: (ms: number) => number): string[] {
  const spanS = (domain.to - domain.from) / 1000;
  const stepS = niceCeiling(Math.max(spanS / 12, 0.1));
  const baseline = layout.top + PLOT_H;
  const out = [
    `<g class="x-axis" font-size="11" fill="#333333">`,
    `<line x1="${MARGIN.left}" y1="${baseline}" x2="${MARGIN.left + PLOT_W}" y2="${baseline}" stroke="#333333"/>`,
  ];
  for (let s = Math.ceil(domain.from / 1000 / stepS) * stepS; s <= domain.to / 1000 + 1e-9; s += stepS) {
    const at = round(x(s * 1000));
    out.push(
      `<line x1="${at}" y1="${baseline}" x2="${at}" y2="${baseline + 5}" stroke="#333333"/>`,
      `<text x="${at}" y="${baseline + 18}" text-anchor="middle">${formatNumber(s)} s</text>`,
    );
  }
  out.push(
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${layout.height - 12}" text-anchor="middle">time since load start (s)</text>`,
    `</g>`,
  );
  return out;
}

function bars(
  buckets: readonly Bucket[],
  versions: readonly string[],
  colors: Map<string, string>,
  bucketMs: number,
  x: (ms: number) => number,
  y: (count: number) => number,
): string[] {
  const out = [`<g class="bars" shape-rendering="crispEdges">`];
  for (const bucket of buckets) {
    const left = x(bucket.startMs);
    const slot = x(bucket.startMs + bucketMs) - left;
    const width = Math.max(0.5, slot >= MIN_WIDTH_FOR_GAP ? slot - 1 : slot);
    let stacked = 0;
    const segments: [string, number, string][] = versions.map((v) => [v, bucket.versions[v] ?? 0, colors.get(v)!]);
    segments.push(["errors", bucket.errors, ERROR_COLOR]);
    for (const [series, count, color] of segments) {
      if (count <= 0) continue;
      const top = y(stacked + count);
      const height = y(stacked) - top;
      stacked += count;
      out.push(
        `<rect class="bar" data-series="${escapeXml(series)}" x="${round(left)}" y="${round(top)}" width="${round(width)}" height="${round(height)}" fill="${color}"/>`,
      );
    }
  }
  out.push(`</g>`);
  // One failed request in a 1,000-request bucket is a sliver; a red tick under the axis makes it impossible to miss.
  const ticks = buckets.filter((b) => b.errors > 0);
  if (ticks.length) {
    const baseline = y(0);
    out.push(`<g class="error-ticks" fill="${ERROR_COLOR}">`);
    for (const bucket of ticks) {
      const left = x(bucket.startMs);
      const width = Math.max(2, x(bucket.startMs + bucketMs) - left);
      out.push(`<rect class="error-tick" x="${round(left)}" y="${round(baseline + 6)}" width="${round(width)}" height="4"/>`);
    }
    out.push(`</g>`);
  }
  return out;
}

interface MarkLabel {
  readonly x: number;
  readonly row: number;
  readonly text: string;
  readonly anchorEnd: boolean;
}

/** One label per mark, in its own band above the plot; a label moves down a row when it would overlap one to its left. */
function placeMarkLabels(marks: readonly LoadMark[], x: (ms: number) => number): MarkLabel[] {
  const rowEnds: number[] = [];
  return [...marks]
    .sort((a, b) => a.atMs - b.atMs)
    .map((mark) => {
      const at = round(x(mark.atMs));
      const text = `${mark.label} ${formatNumber(round(mark.atMs / 1000, 2))} s`;
      const textWidth = text.length * 6.2; // ~average glyph width of an 11px sans-serif font
      const anchorEnd = at + 3 + textWidth > WIDTH - MARGIN.right;
      const [start, end] = anchorEnd ? [at - 3 - textWidth, at - 3] : [at + 3, at + 3 + textWidth];
      let row = rowEnds.findIndex((rowEnd) => rowEnd + 6 < start);
      if (row === -1) row = rowEnds.length;
      rowEnds[row] = end;
      return { x: at, row, text, anchorEnd };
    });
}

function markLines(layout: Layout, labels: readonly MarkLabel[]): string[] {
  const out = [`<g class="marks" font-size="11" fill="#111111">`];
  for (const label of labels) {
    const labelY = HEADER_H + 10 + label.row * MARK_LABEL_ROW_H;
    out.push(
      `<line class="mark" x1="${label.x}" y1="${labelY - 10}" x2="${label.x}" y2="${layout.top + PLOT_H}" stroke="#111111" stroke-width="1.5" stroke-dasharray="5 3"/>`,
      `<text class="mark-label" x="${round(label.anchorEnd ? label.x - 3 : label.x + 3)}" y="${labelY}"${label.anchorEnd ? ` text-anchor="end"` : ""}>${escapeXml(label.text)}</text>`,
    );
  }
  out.push(`</g>`);
  return out;
}

function legend(versions: readonly string[], colors: Map<string, string>): string[] {
  const entries: [string, string][] = [...versions.map((v): [string, string] => [v, colors.get(v)!]), ["errors", ERROR_COLOR]];
  const out = [`<g class="legend" font-size="12">`];
  let left = MARGIN.left;
  for (const [label, color] of entries) {
    out.push(
      `<rect class="legend-swatch" x="${left}" y="38" width="12" height="12" fill="${color}"/>`,
      `<text x="${left + 16}" y="48">${escapeXml(label === "errors" ? "failed (non-2xx, socket error, timeout)" : `answered by ${label}`)}</text>`,
    );
    left += 16 + (label === "errors" ? 250 : 8 * `answered by ${label}`.length) + 14;
  }
  out.push(`</g>`);
  return out;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function formatNumber(value: number): string {
  return String(round(value, 3));
}
