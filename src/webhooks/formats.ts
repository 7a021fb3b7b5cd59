import type { Metric } from '../surveys/defaults.js'
import type { Locale } from '../schemas.js'
import type { WebhookFormat } from './tables.js'
import type { ItemMeasure } from '../targets/tables.js'

// What an event says, and how each format says it (docs/integrations.md, "Event bodies"). Only
// aggregates: a released, unsuppressed score with its margin of error, counts of at least the
// minimum group size, days. Never an answer, a time of day, a case, an address or a token.

export type EventType = 'results.released' | 'target.missed' | 'target.recovered' | 'survey.closed' | 'webhook.test'
export type Band = 'needs_work' | 'good' | 'great' | 'excellent'
export type TargetState = 'met' | 'missed' | 'not_distinguishable' | 'unknown'

export interface EventData {
  survey?: { id: string, name: string, team: string, metric: Metric }
  team?: string
  period?: { from: string, to: string } | null
  responses?: number | null
  score?: { metric: Metric, value: number, margin_of_error: number, band: Band } | null
  target?: { value: number, state: TargetState } | null
  /** A target on an item: the item's key, the measure, and its value with the 95 % interval in the period. */
  item?: { key: string, measure: ItemMeasure, value: number | null, low: number | null, high: number | null }
}

export interface PulsEvent { type: EventType, day: string, data: EventData }

// Lower bounds of the bands, per metric: NPS points, CSAT percent, CES mean on 1–7.
const BANDS: Record<Metric, [number, number, number]> = { nps: [0, 30, 70], csat: [60, 80, 90], ces: [4, 5, 6] }

export function bandOf (metric: Metric, score: number): Band {
  const [good, great, excellent] = BANDS[metric]
  return score >= excellent ? 'excellent' : score >= great ? 'great' : score >= good ? 'good' : 'needs_work'
}

const T = {
  en: {
    'results.released': 'New results',
    'target.missed': 'Target missed',
    'target.recovered': 'Target met again',
    'survey.closed': 'Survey closed',
    'webhook.test': 'Test event from Puls',
    team: 'Team',
    item: 'Question',
    score: 'Score',
    target: 'Target',
    period: 'Period',
    responses: 'Responses',
    report: 'Open the report',
    none: 'none',
    moe: 'margin of error',
    needs_work: 'needs work',
    good: 'good',
    great: 'great',
    excellent: 'excellent',
    met: 'met',
    missed: 'missed',
    not_distinguishable: 'too close to call',
    unknown: 'not enough answers yet',
    test: 'This subscription works: Puls can reach it and signs what it sends.'
  },
  de: {
    'results.released': 'Neue Ergebnisse',
    'target.missed': 'Ziel verfehlt',
    'target.recovered': 'Ziel wieder erreicht',
    'survey.closed': 'Umfrage geschlossen',
    'webhook.test': 'Testereignis von Puls',
    team: 'Team',
    item: 'Frage',
    score: 'Wert',
    target: 'Ziel',
    period: 'Zeitraum',
    responses: 'Antworten',
    report: 'Bericht öffnen',
    none: 'keines',
    moe: 'Fehlerspanne',
    needs_work: 'verbesserungsbedürftig',
    good: 'gut',
    great: 'sehr gut',
    excellent: 'ausgezeichnet',
    met: 'erreicht',
    missed: 'verfehlt',
    not_distinguishable: 'nicht unterscheidbar',
    unknown: 'noch zu wenige Antworten',
    test: 'Dieses Abonnement funktioniert: Puls erreicht es und signiert, was es sendet.'
  },
  nb: {
    'results.released': 'Nye resultater',
    'target.missed': 'Målet er ikke nådd',
    'target.recovered': 'Målet er nådd igjen',
    'survey.closed': 'Undersøkelsen er avsluttet',
    'webhook.test': 'Testhendelse fra Puls',
    team: 'Team',
    item: 'Spørsmål',
    score: 'Resultat',
    target: 'Mål',
    period: 'Periode',
    responses: 'Svar',
    report: 'Åpne rapporten',
    none: 'ingen',
    moe: 'feilmargin',
    needs_work: 'må forbedres',
    good: 'bra',
    great: 'svært bra',
    excellent: 'utmerket',
    met: 'nådd',
    missed: 'ikke nådd',
    not_distinguishable: 'for jevnt til å avgjøre',
    unknown: 'for få svar ennå',
    test: 'Dette abonnementet virker: Puls når det og signerer det som sendes.'
  }
} as const satisfies Record<Locale, Record<string, string>>

const DIGITS: Record<Metric, number> = { nps: 0, csat: 1, ces: 2 }
const number = (locale: Locale, n: number, digits: number): string =>
  n.toLocaleString(locale === 'nb' ? 'nb-NO' : locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })

function facts (e: PulsEvent, locale: Locale): Array<[string, string]> {
  const t = T[locale]
  const d = e.data
  const out: Array<[string, string]> = []
  const team = d.survey?.team ?? d.team
  if (team !== undefined) out.push([t.team, d.survey === undefined ? team : `${team} · ${d.survey.name}`])
  if (d.score != null) {
    const { metric, value, margin_of_error: moe, band } = d.score
    const unit = metric === 'csat' ? ' %' : ''
    const shown = `${number(locale, value, DIGITS[metric])}${unit} ± ${number(locale, moe, DIGITS[metric])}`
    out.push([t.score, `${metric.toUpperCase()} ${shown} (${t[band]})`])
  }
  if (d.item !== undefined) {
    const { key, measure, value, low, high } = d.item
    const unit = measure === 'mean' ? '' : ' %'
    const digits = measure === 'mean' ? 2 : 1
    const n = (x: number): string => number(locale, x, digits)
    const shown = value === null || low === null || high === null
      ? ''
      : `: ${n(value)}${unit} (${n(low)}–${n(high)}${unit})`
    out.push([t.item, `${key} · ${measure}${shown}`])
  }
  if (d.target !== undefined) {
    const digits = d.item === undefined ? DIGITS[d.score?.metric ?? d.survey?.metric ?? 'nps'] : 1
    const target = d.target === null ? t.none : `≥ ${number(locale, d.target.value, digits)}: ${t[d.target.state]}`
    out.push([t.target, target])
  }
  if (d.period != null) out.push([t.period, `${d.period.from} – ${d.period.to}`])
  if (d.responses != null) out.push([t.responses, String(d.responses)])
  return out
}

function slack (e: PulsEvent, locale: Locale, reportUrl: string | null): unknown {
  const title = T[locale][e.type]
  const lines = facts(e, locale)
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
    e.type === 'webhook.test'
      ? { type: 'section', text: { type: 'mrkdwn', text: T[locale].test } }
      : { type: 'section', fields: lines.map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${v}` })) }
  ]
  if (reportUrl !== null) {
    const button = { type: 'button', text: { type: 'plain_text', text: T[locale].report }, url: reportUrl }
    blocks.push({ type: 'actions', elements: [button] })
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Puls · ${e.day}` }] })
  // `text` is the notification's fallback where blocks are not shown.
  return { text: [title, ...lines.map(([k, v]) => `${k}: ${v}`)].join(' · '), blocks }
}

function teams (e: PulsEvent, locale: Locale, reportUrl: string | null): unknown {
  const title = T[locale][e.type]
  const body: unknown[] = [
    { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true },
    e.type === 'webhook.test'
      ? { type: 'TextBlock', text: T[locale].test, wrap: true }
      : { type: 'FactSet', facts: facts(e, locale).map(([title, value]) => ({ title, value })) },
    { type: 'TextBlock', text: `Puls · ${e.day}`, isSubtle: true, size: 'Small', wrap: true }
  ]
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(reportUrl === null ? {} : { actions: [{ type: 'Action.OpenUrl', title: T[locale].report, url: reportUrl }] })
  }
  // A Teams Workflows ("When a Teams webhook request is received") message with one card.
  const attachment = { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }
  return { type: 'message', attachments: [attachment] }
}

/** The body of one delivery, in the subscription's format and locale. */
export function render (e: PulsEvent, format: WebhookFormat, locale: Locale, reportUrl: string | null): string {
  if (format === 'slack') return JSON.stringify(slack(e, locale, reportUrl))
  if (format === 'teams') return JSON.stringify(teams(e, locale, reportUrl))
  return JSON.stringify({ type: e.type, date: e.day, data: e.data })
}
