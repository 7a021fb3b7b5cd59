// Charts as inline SVG strings, drawn on the server: the report needs no script and no external
// asset. Every text that reaches the markup goes through `esc`.

export function esc (text: string | number): string {
  return String(text).replace(
    /[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
  )
}

const W = 640
const PAD = { left: 44, right: 12, top: 12, bottom: 40 }
const fmt = (x: number): string => Number(x.toFixed(1)).toString()

export interface Range {
  min: number
  max: number
}

function svg (height: number, label: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="100%" role="img" ` +
    `aria-label="${esc(label)}" class="chart">` +
    `<title>${esc(label)}</title>${body}</svg>`
  )
}

function yAxis (range: Range, height: number, ticks: number[]): { y: (v: number) => number; markup: string } {
  const plot = height - PAD.top - PAD.bottom
  const y = (v: number): number => PAD.top + (plot * (range.max - v)) / (range.max - range.min)
  const markup = ticks
    .map(
      t =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" class="grid"/>` +
        `<text x="${PAD.left - 6}" y="${fmt(y(t) + 4)}" text-anchor="end" class="tick">${esc(t)}</text>`
    )
    .join('')
  return { y, markup }
}

function xLabels (labels: string[], x: (i: number) => number, height: number, atEdges = false): string {
  // At most about seven dates fit side by side; the others are left out, not squeezed. The last
  // one is kept, in place of a neighbour that would overlap it.
  const step = Math.max(1, Math.ceil(labels.length / 7))
  const last = labels.length - 1
  const shown = new Set(
    labels.map((_, i) => i).filter(i => i % step === 0 && (!atEdges || i === last || last - i >= step))
  )
  if (atEdges) shown.add(last)
  // Where the outermost points sit on the plot's edges, their labels are anchored inwards so
  // that they are not cut off.
  const anchor = (i: number): string =>
    !atEdges || labels.length < 2 ? 'middle' : i === 0 ? 'start' : i === last ? 'end' : 'middle'
  return labels
    .map((l, i) =>
      shown.has(i)
        ? `<text x="${fmt(x(i))}" y="${height - PAD.bottom + 16}" text-anchor="${anchor(i)}" class="tick">` +
          `${esc(l)}</text>`
        : ''
    )
    .join('')
}

export interface SeriesPoint {
  label: string
  /** null: suppressed or empty; the line breaks there. */
  value: number | null
  moe: number | null
  /** An interval that is not value ± moe (a share's Agresti–Coull interval): the band's edges. */
  low?: number | undefined
  high?: number | undefined
  title: string
}

/** A line over time with its margin of error (or interval) as a band around it. */
export function lineChart (points: SeriesPoint[], range: Range, ticks: number[], label: string): string {
  const height = 240
  const { y, markup: grid } = yAxis(range, height, ticks)
  const plotW = W - PAD.left - PAD.right
  const x = (i: number): number => PAD.left + (points.length === 1 ? plotW / 2 : (plotW * i) / (points.length - 1))
  const clip = (v: number): number => Math.min(range.max, Math.max(range.min, v))
  // Consecutive shown points form one segment; a suppressed bucket breaks line and band.
  const segments: number[][] = []
  points.forEach((p, i) => {
    if (p.value === null) return
    const last = segments.at(-1)
    if (last !== undefined && last.at(-1) === i - 1) last.push(i)
    else segments.push([i])
  })
  const bands = segments
    .map(seg => {
      const high = (p: SeriesPoint): number => p.high ?? p.value! + (p.moe ?? 0)
      const low = (p: SeriesPoint): number => p.low ?? p.value! - (p.moe ?? 0)
      const upper = seg.map(i => `${fmt(x(i))},${fmt(y(clip(high(points[i]!))))}`)
      const lower = [...seg]
        .reverse()
        .map(i => `${fmt(x(i))},${fmt(y(clip(low(points[i]!))))}`)
      return `<polygon points="${[...upper, ...lower].join(' ')}" class="band"/>`
    })
    .join('')
  const lines = segments
    .map(
      seg => `<polyline points="${seg.map(i => `${fmt(x(i))},${fmt(y(points[i]!.value!))}`).join(' ')}" class="line"/>`
    )
    .join('')
  const dots = points
    .map((p, i) =>
      p.value === null
        ? ''
        : `<circle cx="${fmt(x(i))}" cy="${fmt(y(p.value))}" r="3.5" class="dot">` +
          `<title>${esc(p.title)}</title></circle>`
    )
    .join('')
  return svg(
    height,
    label,
    grid +
      bands +
      lines +
      dots +
      xLabels(
        points.map(p => p.label),
        x,
        height,
        true
      )
  )
}

export interface Bar {
  label: string
  value: number
  title: string
}

/** Vertical bars: the distribution over the scale. */
export function barChart (bars: Bar[], label: string): string {
  const height = 220
  const max = Math.max(1, ...bars.map(b => b.value))
  const top = niceCeiling(max)
  const { y, markup: grid } = yAxis({ min: 0, max: top }, height, [0, top / 2, top])
  const slot = (W - PAD.left - PAD.right) / bars.length
  const x = (i: number): number => PAD.left + slot * (i + 0.5)
  const rects = bars
    .map(
      (b, i) =>
        `<rect x="${fmt(x(i) - slot * 0.35)}" y="${fmt(y(b.value))}" ` +
        `width="${fmt(slot * 0.7)}" height="${fmt(y(0) - y(b.value))}" class="bar">` +
        `<title>${esc(b.title)}</title></rect>`
    )
    .join('')
  return svg(
    height,
    label,
    grid +
      rects +
      xLabels(
        bars.map(b => b.label),
        x,
        height
      )
  )
}

export interface GroupRow {
  label: string
  value: number | null
  moe: number | null
  note: string
}

/** Horizontal bars per group with the margin of error as a whisker; suppressed groups show a note only. */
export function groupChart (rows: GroupRow[], range: Range, label: string): string {
  const rowH = 28
  const labelW = 170
  const height = PAD.top + rows.length * rowH + 24
  const plotL = labelW + 8
  const plotR = W - 140
  const x = (v: number): number =>
    plotL + ((plotR - plotL) * (Math.min(range.max, Math.max(range.min, v)) - range.min)) / (range.max - range.min)
  const zero = x(Math.max(range.min, Math.min(range.max, 0)))
  const body = rows
    .map((r, i) => {
      const cy = PAD.top + i * rowH + rowH / 2
      const name = r.label.length > 26 ? `${r.label.slice(0, 25)}…` : r.label
      let bar = ''
      if (r.value !== null) {
        const from = Math.min(zero, x(r.value))
        bar =
          `<rect x="${fmt(from)}" y="${fmt(cy - 8)}" width="${fmt(Math.max(1, Math.abs(x(r.value) - zero)))}" ` +
          `height="16" class="bar"><title>${esc(r.note)}</title></rect>`
        if (r.moe !== null) {
          bar +=
            `<line x1="${fmt(x(r.value - r.moe))}" x2="${fmt(x(r.value + r.moe))}" ` +
            `y1="${fmt(cy)}" y2="${fmt(cy)}" class="whisker"/>`
        }
      }
      return (
        `<text x="${labelW}" y="${fmt(cy + 4)}" text-anchor="end" class="tick">` +
        `<title>${esc(r.label)}</title>${esc(name)}</text>${bar}` +
        `<text x="${plotR + 8}" y="${fmt(cy + 4)}" class="tick">${esc(r.note)}</text>`
      )
    })
    .join('')
  const axis =
    `<line x1="${fmt(zero)}" x2="${fmt(zero)}" y1="${PAD.top}" y2="${height - 24}" class="axis"/>` +
    `<text x="${plotL}" y="${height - 6}" class="tick">${esc(range.min)}</text>` +
    `<text x="${plotR}" y="${height - 6}" text-anchor="end" class="tick">${esc(range.max)}</text>`
  return svg(height, label, axis + body)
}

function niceCeiling (x: number): number {
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p
  return 10 * p
}
