import type { Locale } from '../schemas.js'
import type { ItemTargetStatus, TargetStatus } from './schemas.js'

// How the report names a target and its state (docs/integrations.md, "Targets").
const TEXT: Record<Locale, Record<'target' | 'latest' | 'month' | 'mean' | 'top2' | TargetStatus['state'], string>> = {
  en: {
    target: 'Target',
    latest: 'latest released period',
    month: 'latest complete month',
    mean: 'mean',
    top2: 'share of 4 and 5',
    met: 'met',
    missed: 'missed',
    not_distinguishable: 'not distinguishable within the margin of error',
    unknown: 'not enough answers released yet'
  },
  de: {
    target: 'Ziel',
    latest: 'letzter freigegebener Zeitraum',
    month: 'letzter abgeschlossener Monat',
    mean: 'Mittelwert',
    top2: 'Anteil 4 und 5',
    met: 'erreicht',
    missed: 'verfehlt',
    not_distinguishable: 'innerhalb der Fehlerspanne nicht unterscheidbar',
    unknown: 'noch zu wenige Antworten freigegeben'
  },
  nb: {
    target: 'Mål',
    latest: 'siste frigitte periode',
    month: 'siste hele måned',
    mean: 'snitt',
    top2: 'andel 4 og 5',
    met: 'nådd',
    missed: 'ikke nådd',
    not_distinguishable: 'kan ikke skilles innenfor feilmarginen',
    unknown: 'for få svar frigitt ennå'
  }
}

/** One line for the report: "Target ≥ 80: met (latest released period 2 Mar 2026 – 2 Mar 2026)". */
export function targetLine (
  status: TargetStatus, locale: Locale, number: (n: number) => string, day: (d: string) => string
): string {
  const t = TEXT[locale]
  const period = status.period === null ? '' : ` (${t.latest} ${day(status.period.from)} – ${day(status.period.to)})`
  return `${t.target} ≥ ${number(status.value)}: ${t[status.state]}${period}`
}

/** One line for an item's section: "Target ≥ 70 %: met (latest complete month 1 Mar 2026 – 31 Mar 2026)". */
export function itemTargetLine (
  status: ItemTargetStatus, locale: Locale, number: (n: number) => string, day: (d: string) => string
): string {
  const t = TEXT[locale]
  const what = status.measure === 'mean' ? ` (${t.mean})` : status.measure === 'top2_percent' ? ` (${t.top2})` : ''
  const unit = status.measure === 'mean' ? '' : ' %'
  const period = status.period === null ? '' : ` (${t.month} ${day(status.period.from)} – ${day(status.period.to)})`
  return `${t.target}${what} ≥ ${number(status.value)}${unit}: ${t[status.state]}${period}`
}
