import type { DbOrTx } from '../../db/client.js'
import * as repo from '../storage/repository.js'
import type { Assembled, Cell } from './cells.js'
import type { Scale } from '../../surveys/defaults.js'
import type { SurveyRow } from '../../surveys/tables.js'
import { monthCells } from './attributes.js'
import type { DecidedMonths } from './decided-months.js'
import { cellKey } from './cell-key.js'
import type { ItemCell, ItemTotals } from './item-cells.js'
import type { ItemDefinition } from './item-present.js'
import { type ReleaseMonth, releaseMonths } from './months.js'
import { type Interval, releaseBlocks } from './periods.js'
import type { SuppressionReason } from './suppression.js'

// Item results across a team's surveys (docs/results.md, "Items", across surveys): for the item
// keys the surveys share with one type. Each survey's part in a month is that survey's own
// month total of the item, shown or not by its own rules; the team's month shows only where the
// parts it does not show could not be told apart by subtraction: none, or at least two holding
// the minimum together (complementary suppression with the parts shown as fixed). Over several
// months, the team's cell shows only where every month shows it.

export interface TeamPart {
  survey: SurveyRow
  /** The survey's complete release months counted (inside its released period). */
  months: readonly ReleaseMonth[]
}

/** The item definitions a team's surveys share: same key, same type; options of the first one. */
export function sharedItems (surveys: readonly SurveyRow[]): ItemDefinition[] {
  const out = new Map<string, ItemDefinition>()
  for (const s of surveys) for (const item of s.items) if (!out.has(item.key)) out.set(item.key, item)
  return [...out.values()].map(item => ({
    ...item,
    retired: surveys.every(s => s.items.find(i => i.key === item.key)?.retired !== false)
  }))
}

type Part = Pick<ItemCell, 'n' | 'people' | 'reason' | 'values'>

export interface TeamItems {
  /** Per item: over all months, and per month (YYYY-MM). */
  total: Map<string, ItemTotals>
  months: Map<string, Map<string, ItemTotals>>
}

export async function teamItemResults (
  db: DbOrTx, kept: DecidedMonths, parts: readonly TeamPart[], items: readonly ItemDefinition[], scale: Scale,
  min: number
): Promise<TeamItems> {
  const root = cellKey([])
  // Per item and month: each survey's month total of the item.
  const perMonth = new Map<string, Map<string, Part[]>>()
  for (const { survey, months } of parts) {
    for (const month of months) {
      const cells = await monthCells(db, kept, survey.id, [], month, survey.minGroupSize, scale)
      for (const item of items) {
        const own = survey.items.find(i => i.key === item.key)
        if (own === undefined || own.type !== item.type) continue
        const c = cells.items.get(item.key)?.get(root)
        if (c === undefined || c.n === 0) continue
        let byMonth = perMonth.get(item.key)
        if (byMonth === undefined) perMonth.set(item.key, byMonth = new Map())
        const list = byMonth.get(month.month) ?? []
        byMonth.set(month.month, [...list, c])
      }
    }
  }
  const total = new Map<string, ItemTotals>()
  const months = new Map<string, Map<string, ItemTotals>>()
  for (const item of items) {
    const values = new Map<string, number>()
    let n = 0
    const reasons: Array<SuppressionReason | null> = []
    for (const [month, list] of perMonth.get(item.key) ?? []) {
      // Shown parts are public: the hidden ones must be none, or at least two holding the minimum.
      const hiddenParts = list.filter(c => c.reason !== null)
      const hidden = hiddenParts.length > 0 &&
        (hiddenParts.length < 2 || hiddenParts.reduce((acc, c) => acc + c.people, 0) < min)
      const reason: SuppressionReason | null = hidden ? 'complementary' : null
      const own = { n: 0, values: new Map<string, number>(), reason }
      for (const c of list) {
        own.n += c.n
        for (const [v, x] of c.values) own.values.set(v, (own.values.get(v) ?? 0) + x)
      }
      if (!months.has(month)) months.set(month, new Map())
      months.get(month)!.set(item.key, own)
      n += own.n
      for (const [v, x] of own.values) values.set(v, (values.get(v) ?? 0) + x)
      reasons.push(reason)
    }
    const reason: SuppressionReason | null = reasons.length === 0
      ? 'below_min_group_size'
      : reasons.every(r => r === null) ? null : reasons.length === 1 ? reasons[0]! : 'period'
    total.set(item.key, { n, values, reason })
  }
  return { total, months }
}

/**
 * Puts the team's item results into its assembled cells: the total and, for a month series, each
 * month (a cell the team does not show shows no item either). Answers the days they count.
 */
export async function placeTeamItems (
  db: DbOrTx, kept: DecidedMonths, a: Assembled,
  q: {
    parts: ReadonlyArray<{ survey: SurveyRow, period: { from: string, to: string } | null }>
    items: readonly ItemDefinition[]
    scale: Scale
    min: number
    today: string
    interval: Interval | undefined
  }
): Promise<{ from: string, to: string } | null> {
  const parts: TeamPart[] = []
  for (const { survey, period } of q.parts) {
    if (period === null || q.items.length === 0) {
      parts.push({ survey, months: [] })
      continue
    }
    const days = await repo.answeredDays(db, survey.id)
    const all = releaseMonths(releaseBlocks(days, survey.minGroupSize, q.today), q.today)
    parts.push({ survey, months: all.filter(m => m.from >= period.from && m.to <= period.to) })
  }
  const byItem = q.items.length === 0
    ? { total: new Map<string, ItemTotals>(), months: new Map<string, Map<string, ItemTotals>>() }
    : await teamItemResults(db, kept, parts, q.items, q.scale, q.min)
  const within = (cell: Cell, results: ReadonlyMap<string, ItemTotals>): Map<string, ItemTotals> =>
    new Map([...results].map(([key, r]) => [key, { ...r, reason: cell.reason ?? r.reason }]))
  a.total.items = within(a.total, byItem.total)
  for (const b of a.series ?? []) {
    const month = b.start.slice(0, 7)
    const monthly = q.interval === 'month' ? byItem.months.get(month) : undefined
    if (monthly !== undefined) b.items = within(b, monthly)
    else if (q.interval === 'month' && parts.some(p => p.months.some(m => m.month === month))) b.items = new Map()
  }
  const used = parts.flatMap(p => p.months.flatMap(m => m.blocks))
  return used.length === 0
    ? null
    : { from: used.map(b => b.from).sort()[0]!, to: used.map(b => b.to).sort().at(-1)! }
}
