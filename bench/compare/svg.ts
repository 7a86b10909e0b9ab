/**
 * The chart of a compare run, as a self-contained SVG written by hand (a few lines and
 * labels; no chart library is worth a dependency for that): response time and CPU per call
 * against concurrency, the portal beside the floor.
 */

export interface Series {
  label: string;
  colour: string;
  dashed?: boolean;
  points: { x: number; y: number }[];
}

export interface Panel {
  title: string;
  yLabel: string;
  logY: boolean;
  series: Series[];
}

const W = 460;
const H = 320;
const M = { left: 64, right: 16, top: 36, bottom: 78 };
const PLOT_W = W - M.left - M.right;
/** The bottom margin holds this many legend rows; more rows make the chart taller. */
const LEGEND_ROWS_IN_MARGIN = 2;
const LEGEND_ROW_H = 14;
const LEGEND_SWATCH_W = 22;
/** A generous advance for 11 px sans-serif text (DejaVu Sans averages about 6.2 px). */
const LEGEND_CHAR_W = 6.6;

/** Two legend columns when every label fits in half the plot's width, else one. */
function legendColumns(p: Panel): number {
  const fits = p.series.every((s) => LEGEND_SWATCH_W + s.label.length * LEGEND_CHAR_W <= PLOT_W / 2 - 8);
  return fits ? 2 : 1;
}

function legendRows(p: Panel): number {
  return Math.ceil(p.series.length / legendColumns(p));
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v: number): string {
  if (v >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  if (v >= 10) return String(Math.round(v));
  if (v >= 1) return String(+v.toFixed(1));
  return String(+v.toPrecision(2));
}

/** Ticks at 1, 2, 5 × powers of ten within [lo, hi]. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

function linearTicks(hi: number): number[] {
  const raw = hi / 5;
  const step = [1, 2, 2.5, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  return Array.from({ length: Math.floor(hi / step) + 1 }, (_, i) => i * step);
}

function panel(p: Panel, offsetX: number, xs: number[]): string {
  const valid = p.series.flatMap((s) => s.points).filter((pt) => Number.isFinite(pt.y) && (!p.logY || pt.y > 0));
  const xLo = Math.min(...xs);
  const xHi = Math.max(...xs);
  const ys = valid.map((pt) => pt.y);
  let yLo = p.logY ? 10 ** Math.floor(Math.log10(Math.min(...ys, 1))) : 0;
  let yHi = p.logY ? 10 ** Math.ceil(Math.log10(Math.max(...ys, 1))) : Math.max(...ys, 1e-9) * 1.15;
  if (!(yHi > yLo)) [yLo, yHi] = [p.logY ? 0.1 : 0, 1];
  const yTicks = p.logY ? logTicks(yLo, yHi) : linearTicks(yHi);
  if (!p.logY) yHi = Math.max(yHi, yTicks[yTicks.length - 1] ?? yHi);
  const plotW = PLOT_W;
  const plotH = H - M.top - M.bottom;
  const sx = (x: number): number => offsetX + M.left + (xHi === xLo ? plotW / 2 : ((Math.log10(x) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo))) * plotW);
  const sy = (y: number): number => {
    const f = p.logY ? (Math.log10(y) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo)) : (y - yLo) / (yHi - yLo);
    return M.top + plotH - Math.min(1, Math.max(0, f)) * plotH;
  };
  const out: string[] = [];
  out.push(`<text x="${offsetX + W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escape(p.title)}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${offsetX + M.left}" x2="${offsetX + W - M.right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${offsetX + M.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${fmt(t)}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${sx(x).toFixed(1)}" x2="${sx(x).toFixed(1)}" y1="${M.top}" y2="${M.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${sx(x).toFixed(1)}" y="${M.top + plotH + 16}" text-anchor="middle" font-size="11">${fmt(x)}</text>`);
  }
  out.push(`<rect x="${offsetX + M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${offsetX + M.left + plotW / 2}" y="${M.top + plotH + 32}" text-anchor="middle" font-size="12">concurrent login calls${xs.length > 1 ? ' (log scale)' : ''}</text>`);
  out.push(`<text transform="translate(${offsetX + 16},${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escape(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    const pts = s.points.filter((pt) => Number.isFinite(pt.y) && (!p.logY || pt.y > 0));
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2"${dash} points="${pts.map((pt) => `${sx(pt.x).toFixed(1)},${sy(pt.y).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const pt of pts) out.push(`<circle cx="${sx(pt.x).toFixed(1)}" cy="${sy(pt.y).toFixed(1)}" r="3" fill="${s.colour}"/>`);
    const columns = legendColumns(p);
    const lx = offsetX + M.left + (i % columns) * (plotW / 2);
    const ly = M.top + plotH + 50 + Math.floor(i / columns) * LEGEND_ROW_H;
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.colour}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + LEGEND_SWATCH_W}" y="${ly}" font-size="11">${escape(s.label)}</text>`);
  });
  return out.join('\n');
}

/** Panels side by side over the same concurrency levels; `caption` goes under them. */
export function chartSvg(panels: Panel[], xs: number[], caption: string): string {
  const width = W * panels.length;
  const extraRows = Math.max(0, ...panels.map((p) => legendRows(p) - LEGEND_ROWS_IN_MARGIN));
  const plotsH = H + extraRows * LEGEND_ROW_H;
  const height = plotsH + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...panels.map((p, i) => panel(p, i * W, xs)),
    `<text x="${width / 2}" y="${plotsH + 16}" text-anchor="middle" font-size="11" fill="#555">${escape(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
