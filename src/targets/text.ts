import type { Locale } from '../schemas.js'
import type { TargetStatus } from './schemas.js'

// How the report names a target and its state (docs/integrations.md, "Targets").
const TEXT: Record<Locale, Record<'target' | 'latest' | TargetStatus['state'], string>> = {
  en: {
    target: 'Target',
    latest: 'latest released period',
    met: 'met',
    missed: 'missed',
    not_distinguishable: 'not distinguishable within the margin of error',
    unknown: 'not enough answers released yet'
  },
  de: {
    target: 'Ziel',
    latest: 'letzter freigegebener Zeitraum',
    met: 'erreicht',
    missed: 'verfehlt',
    not_distinguishable: 'innerhalb der Fehlerspanne nicht unterscheidbar',
    unknown: 'noch zu wenige Antworten freigegeben'
  },
  nb: {
    target: 'Mål',
    latest: 'siste frigitte periode',
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
