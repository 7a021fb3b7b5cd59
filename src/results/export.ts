import type { Block } from './periods.js'
import { complementary } from './suppression.js'

// The CSV export as pure functions: which attribute values and how fine a time may show so that
// every row shares what it shows with at least the minimum number of other rows (SPEC §2.4), and
// cells that spreadsheets cannot mistake for formulas.

/** Shown instead of an attribute value whose group is too small (SPEC: "small groups folded"). */
export const OTHER = '(other)'

// OWASP's list, plus leading spaces before one of them, which some spreadsheets skip.
const FORMULA_START = /^(\s*[=+\-@]|[\t\r])/

/** One CSV field: text that could start a formula gets a leading `'`, then RFC 4180 quoting. */
export function csvField (value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const text = FORMULA_START.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function csvLine (fields: ReadonlyArray<string | number | null>): string {
  return `${fields.map(csvField).join(',')}\r\n`
}

export type TimeLevel = 'block' | 'month' | 'period'

export interface Combo {
  /** Index of the release block the answers are in. */
  block: number
  /** Values of each exported attribute, null where an answer lacks it. */
  values: ReadonlyArray<string | null>
  n: number
}

export interface ExportPlan {
  time: TimeLevel
  /** Indices of the attributes that get a column. */
  columns: number[]
  /** Per attribute, the values shown as themselves; every other value (and absence) shows as OTHER. */
  shown: Array<Set<string | null>>
  /** Rows per class (time cell and shown column values): comments need the larger minimum. */
  classSize: (block: number, values: ReadonlyArray<string | null>) => number
}

/** What a value shows as: itself, '' for an answer without the attribute, or OTHER. */
export function label (shown: Set<string | null>, value: string | null): string {
  return shown.has(value) ? value ?? '' : OTHER
}

const monthOf = (b: Block): string => b.from.slice(0, 7)

function timeKey (blocks: readonly Block[], block: number, time: TimeLevel): string {
  if (time === 'block') return String(block)
  return time === 'month' ? monthOf(blocks[block]!) : ''
}

/**
 * Plans an export of `combos` (answers per block and attribute values):
 * 1. per attribute, groups below `min` are folded into OTHER, with complementary folding so the
 *    folded values together hold at least `min` answers in at least two groups;
 * 2. then the finest export in which every class (time and shown values) holds at least `min`
 *    rows: first the time is coarsened (release block, then month, then the whole period), and
 *    only when even the whole period is too fine, the attribute with the most values is dropped.
 * Returns null when the export as a whole holds fewer than `min` answers.
 */
export function planExport (blocks: readonly Block[], combos: readonly Combo[], attributes: number, min: number): ExportPlan | null {
  const total = combos.reduce((acc, c) => acc + c.n, 0)
  if (total < min) return null
  const shown: Array<Set<string | null>> = []
  const usable: number[] = []
  for (let a = 0; a < attributes; a++) {
    const counts = new Map<string | null, number>()
    for (const c of combos) counts.set(c.values[a] ?? null, (counts.get(c.values[a] ?? null) ?? 0) + c.n)
    const values = [...counts.keys()]
    const cells = values.map(v => ({ n: counts.get(v)!, reason: counts.get(v)! < min ? 'below_min_group_size' as const : null }))
    const { reasons, suppressTotal } = complementary(cells, min)
    shown.push(new Set(values.filter((_, i) => reasons[i] === null)))
    if (!suppressTotal) usable.push(a)
  }
  const distinct = (a: number): number => new Set(combos.map(c => label(shown[a]!, c.values[a] ?? null))).size
  // Dropped first: the attribute with the most distinct shown values, which splits classes most.
  const dropOrder = [...usable].sort((a, b) => distinct(b) - distinct(a) || a - b)
  for (let dropped = 0; dropped <= dropOrder.length; dropped++) {
    const columns = dropOrder.slice(dropped).sort((a, b) => a - b)
    for (const time of ['block', 'month', 'period'] as const) {
      const key = (block: number, values: ReadonlyArray<string | null>): string =>
        JSON.stringify([timeKey(blocks, block, time), ...columns.map(a => label(shown[a]!, values[a] ?? null))])
      const sizes = new Map<string, number>()
      for (const c of combos) sizes.set(key(c.block, c.values), (sizes.get(key(c.block, c.values)) ?? 0) + c.n)
      if ([...sizes.values()].every(n => n >= min)) {
        return { time, columns, shown, classSize: (block, values) => sizes.get(key(block, values)) ?? 0 }
      }
    }
  }
  // Unreachable: with no columns and the whole period, the one class holds `total` >= min rows.
  throw new Error('no export plan found')
}

/** The time cells of a plan, in order: consecutive blocks that share a time key, as a day range. */
export function timeCells (blocks: readonly Block[], time: TimeLevel): Array<{ from: string, to: string, blocks: number[] }> {
  const cells: Array<{ key: string, from: string, to: string, blocks: number[] }> = []
  blocks.forEach((b, i) => {
    const key = timeKey(blocks, i, time)
    const last = cells.at(-1)
    if (last !== undefined && last.key === key) {
      last.to = b.to
      last.blocks.push(i)
    } else {
      cells.push({ key, from: b.from, to: b.to, blocks: [i] })
    }
  })
  return cells.map(({ from, to, blocks }) => ({ from, to, blocks }))
}

/** A day, or an ISO 8601 interval of days. */
export function dayLabel (from: string, to: string): string {
  return from === to ? from : `${from}/${to}`
}
