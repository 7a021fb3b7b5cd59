import type { Locale } from '../../schemas.js'

// The report's own words per locale; survey texts come from the survey.
const en = {
  report: 'Report',
  period: 'Period',
  noPeriod: 'No answers released yet',
  responses: 'Responses',
  pending: {
    one: '1 newer answer is counted once at least {min} have come in.',
    other: '{n} newer answers are counted once at least {min} have come in.'
  },
  waiting: {
    today: 'Answers of today are counted from tomorrow on.',
    answers: 'Waiting for more answers.',
    invited:
      'Waiting for more answers to invitations: they are counted once at least {min} have come in, apart from answers through QR codes.',
    people:
      'Waiting for answers from more people: answers through QR codes count once at least {min} different people have answered, however many answers each gave.',
    month: 'Breakdowns count complete months only.'
  },
  responseRate: 'Response rate',
  ofDelivered: { one: '{r} of {d} delivered invitation', other: '{r} of {d} delivered invitations' },
  marginOfError: 'margin of error ±{moe} (95 %)',
  adjusted: 'adjusted-Wald interval {low} to {high}',
  suppressed: 'Fewer than {min} answers, or too few outside this selection: only the count is shown.',
  overTime: 'Over time',
  band: 'The band shows the margin of error. Gaps are periods with too few answers to show.',
  distribution: 'Answers per score',
  breakdown: 'By {attribute}',
  notSet: '(not set)',
  hidden: { one: 'hidden (1 answer)', other: 'hidden ({n} answers)' },
  answers: { one: '1 answer', other: '{n} answers' },
  breakdownMonths:
    'Complete months, the latest run of them that shows the most groups (a group is shown where each month shows it): {from} – {to}.',
  comments: 'Comments',
  commentsHidden:
    'Comments are shown once at least {min} comments have come in (through QR codes: from {min} different people).',
  noComments: 'No comments in this period.',
  moreComments: 'Showing {shown} of {n} comments.',
  definitions: 'How these numbers are made',
  generated: 'Generated {at}. Anonymous: no answer in this report can be traced to a person.'
}
export type ReportText = typeof en

const de: ReportText = {
  report: 'Bericht',
  period: 'Zeitraum',
  noPeriod: 'Noch keine Antworten freigegeben',
  responses: 'Antworten',
  pending: {
    one: '1 neuere Antwort wird gezählt, sobald mindestens {min} vorliegen.',
    other: '{n} neuere Antworten werden gezählt, sobald mindestens {min} vorliegen.'
  },
  waiting: {
    today: 'Antworten von heute werden ab morgen gezählt.',
    answers: 'Es fehlen noch Antworten.',
    invited:
      'Es fehlen noch Antworten auf Einladungen: sie werden gezählt, sobald mindestens {min} vorliegen, getrennt von Antworten über QR-Codes.',
    people:
      'Es fehlen noch Antworten von mehr Personen: Antworten über QR-Codes zählen, sobald mindestens {min} verschiedene Personen geantwortet haben, egal wie oft jede.',
    month: 'Aufschlüsselungen zählen nur abgeschlossene Monate.'
  },
  responseRate: 'Rücklaufquote',
  ofDelivered: { one: '{r} von {d} zugestellten Einladung', other: '{r} von {d} zugestellten Einladungen' },
  marginOfError: 'Fehlerspanne ±{moe} (95 %)',
  adjusted: 'adjustiertes Wald-Intervall {low} bis {high}',
  suppressed: 'Weniger als {min} Antworten oder zu wenige außerhalb dieser Auswahl: nur die Anzahl wird gezeigt.',
  overTime: 'Im Zeitverlauf',
  band: 'Das Band zeigt die Fehlerspanne. Lücken sind Zeiträume mit zu wenigen Antworten.',
  distribution: 'Antworten je Wert',
  breakdown: 'Nach {attribute}',
  notSet: '(nicht gesetzt)',
  hidden: { one: 'verborgen (1 Antwort)', other: 'verborgen ({n} Antworten)' },
  answers: { one: '1 Antwort', other: '{n} Antworten' },
  breakdownMonths:
    'Abgeschlossene Monate, die letzten, in denen die meisten Gruppen gezeigt werden können (eine Gruppe wird gezeigt, wo jeder Monat sie zeigt): {from} – {to}.',
  comments: 'Kommentare',
  commentsHidden:
    'Kommentare werden gezeigt, sobald mindestens {min} Kommentare vorliegen (über QR-Codes: von {min} verschiedenen Personen).',
  noComments: 'Keine Kommentare in diesem Zeitraum.',
  moreComments: '{shown} von {n} Kommentaren werden gezeigt.',
  definitions: 'Wie diese Zahlen entstehen',
  generated: 'Erstellt {at}. Anonym: keine Antwort in diesem Bericht lässt sich einer Person zuordnen.'
}

const nb: ReportText = {
  report: 'Rapport',
  period: 'Periode',
  noPeriod: 'Ingen svar er frigitt ennå',
  responses: 'Svar',
  pending: {
    one: '1 nyere svar telles når minst {min} har kommet inn.',
    other: '{n} nyere svar telles når minst {min} har kommet inn.'
  },
  waiting: {
    today: 'Dagens svar telles fra i morgen.',
    answers: 'Venter på flere svar.',
    invited:
      'Venter på flere svar på invitasjoner: de telles når minst {min} har kommet inn, atskilt fra svar via QR-koder.',
    people:
      'Venter på svar fra flere personer: svar via QR-koder telles når minst {min} forskjellige personer har svart, uansett hvor mange svar hver ga.',
    month: 'Fordelinger teller bare hele måneder.'
  },
  responseRate: 'Svarprosent',
  ofDelivered: { one: '{r} av {d} levert invitasjon', other: '{r} av {d} leverte invitasjoner' },
  marginOfError: 'feilmargin ±{moe} (95 %)',
  adjusted: 'justert Wald-intervall {low} til {high}',
  suppressed: 'Færre enn {min} svar, eller for få utenfor dette utvalget: bare antallet vises.',
  overTime: 'Over tid',
  band: 'Båndet viser feilmarginen. Hull er perioder med for få svar til å vises.',
  distribution: 'Svar per verdi',
  breakdown: 'Etter {attribute}',
  notSet: '(ikke satt)',
  hidden: { one: 'skjult (1 svar)', other: 'skjult ({n} svar)' },
  answers: { one: '1 svar', other: '{n} svar' },
  breakdownMonths:
    'Hele måneder, de siste der flest grupper kan vises (en gruppe vises der hver måned viser den): {from} – {to}.',
  comments: 'Kommentarer',
  commentsHidden:
    'Kommentarer vises når minst {min} kommentarer har kommet inn (via QR-koder: fra {min} forskjellige personer).',
  noComments: 'Ingen kommentarer i denne perioden.',
  moreComments: 'Viser {shown} av {n} kommentarer.',
  definitions: 'Slik lages tallene',
  generated: 'Laget {at}. Anonymt: ingen svar i denne rapporten kan spores til en person.'
}

export const REPORT_TEXT: Record<Locale, ReportText> = { en, de, nb }

/** A text whose words depend on a count: one (exactly 1) or other (0, 2, …), in all three locales. */
export interface Plural {
  one: string
  other: string
}

export function fill (text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(Object.hasOwn(values, k) ? values[k] : `{${k}}`))
}

/** `text` for the count `n` (also given to it as {n} unless `values` says otherwise). */
export function count (text: Plural, n: number, values: Record<string, string | number> = {}): string {
  return fill(n === 1 ? text.one : text.other, { n, ...values })
}
