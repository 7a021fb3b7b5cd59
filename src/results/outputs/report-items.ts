import type { Locale } from '../../schemas.js'
import { toItem } from '../../surveys/item-checks.js'
import type { SurveyRow } from '../../surveys/tables.js'
import { estimate, meanInterval, type ShownItemResult } from '../../targets/measures.js'
import { barChart, groupChart, lineChart, type SeriesPoint } from './charts.js'
import { ITEM_TEXT } from './report-items-text.js'
import { count, fill } from './report-text.js'

// The report's section per item (docs/results.md, "The report"): drawn only from item results as
// the results API shows them (complete release months, each item under its own suppression), so
// a section shows nothing the API does not.

export interface ItemResultView extends ShownItemResult {
  options?: Array<{ key: string, count: number, percent: number }> | null
}

type Items = Record<string, ItemResultView> | null | undefined

export interface ItemSection {
  key: string
  heading: string
  summary: string | null
  notes: string[]
  target: string | null
  charts: string[]
}

export interface ItemSectionsInput {
  survey: Pick<SurveyRow, 'items' | 'defaultLocale'>
  locale: Locale
  /** Item results over the report's complete months, and those months. */
  total: Items
  period: { from: string, to: string } | null
  /** The monthly series: item results per complete month. */
  months: ReadonlyArray<{ start: string, items?: Items }>
  /** A line per item key that carries a target. */
  targets: ReadonlyMap<string, string>
  number: (n: number) => string
  day: (d: string) => string
}

const PERCENT = { range: { min: 0, max: 100 }, ticks: [0, 25, 50, 75, 100] }
const RATING = { range: { min: 1, max: 5 }, ticks: [1, 2, 3, 4, 5] }

export function itemSections (input: ItemSectionsInput): ItemSection[] {
  const { survey, locale, number: num } = input
  const t = ITEM_TEXT[locale]
  const sections: ItemSection[] = []
  for (const stored of survey.items) {
    const result = input.total?.[stored.key]
    // A retired item keeps a section while its answers still show in the period.
    if (stored.retired && (result == null || result.suppressed)) continue
    const item = toItem(stored, survey.defaultLocale)
    const shown = result != null && !result.suppressed && result.answered !== null
    const section: ItemSection = {
      key: item.key,
      heading: item.question[locale],
      summary: null,
      notes: [input.period === null
        ? t.noMonths
        : fill(t.months, { from: input.day(input.period.from), to: input.day(input.period.to) })],
      target: input.targets.get(item.key) ?? null,
      charts: []
    }
    sections.push(section)
    if (!shown) {
      if (input.period !== null) section.notes.push(t.hidden)
      continue
    }
    const answered = count(t.answered, result.answered!, { n: num(result.answered!) })
    const over = (measure: 'yes_percent' | 'mean', scale: typeof PERCENT, title: string): void => {
      const points: SeriesPoint[] = input.months.map(m => {
        const e = estimate(m.items?.[item.key], measure)
        const label = m.start.slice(0, 7)
        return {
          label,
          value: e?.score ?? null,
          moe: null,
          low: e?.low,
          high: e?.high,
          title: e === null ? label : `${label}: ${num(e.score)} (${num(e.low)}–${num(e.high)})`
        }
      })
      if (points.some(p => p.value !== null)) {
        section.charts.push(lineChart(points, scale.range, scale.ticks, `${item.question[locale]} · ${title}`))
        section.notes.push(t.band)
      }
    }
    switch (item.type) {
      case 'yes_no': {
        const y = result.yes_no!
        const share = { percent: num(y.percent), low: num(y.adjusted_wald.low), high: num(y.adjusted_wald.high) }
        section.summary = `${fill(t.yesShare, share)} · ${answered}`
        over('yes_percent', PERCENT, t.yesOverTime)
        break
      }
      case 'rating': {
        const r = result.rating!
        const ci = meanInterval(r.distribution)!
        const mean = { mean: num(r.mean), low: num(ci.low), high: num(ci.high), top: num(r.top_2_box_percent) }
        section.summary = `${fill(t.mean, mean)} · ${answered}`
        section.charts.push(barChart(r.distribution.map(d => ({
          label: String(d.score), value: d.count, title: `${d.score}: ${num(d.count)}`
        })), `${item.question[locale]} · ${t.distribution}`))
        over('mean', RATING, t.meanOverTime)
        break
      }
      case 'choice':
      case 'multi_choice': {
        section.summary = answered
        const labels = new Map((item.options ?? []).map(o => [o.key, o.label[locale]]))
        const rows = (result.options ?? []).map(o => ({
          label: labels.get(o.key) ?? o.key,
          value: o.percent,
          moe: null,
          note: `${num(o.percent)} % · ${num(o.count)}`
        }))
        section.charts.push(groupChart(rows, PERCENT.range, `${item.question[locale]} · ${t.options}`))
        if (item.type === 'multi_choice') section.notes.push(t.multi)
        break
      }
      case 'text':
        section.summary = answered
        section.notes.push(t.text)
        break
    }
  }
  return sections
}
