import type { Locale } from '../schemas.js'

// The report's own words per locale; survey texts come from the survey.
const en = {
  report: 'Report',
  period: 'Period',
  noPeriod: 'No answers released yet',
  responses: 'Responses',
  pending: '{n} newer answers are counted once at least {min} have come in.',
  responseRate: 'Response rate',
  ofDelivered: '{r} of {d} delivered invitations',
  marginOfError: 'margin of error ±{moe} (95 %)',
  adjusted: 'adjusted-Wald interval {low} to {high}',
  suppressed: 'Fewer than {min} answers, or too few outside this selection: only the count is shown.',
  overTime: 'Over time',
  band: 'The band shows the margin of error. Gaps are periods with too few answers to show.',
  distribution: 'Answers per score',
  breakdown: 'By {attribute}',
  notSet: '(not set)',
  hidden: 'hidden ({n} answers)',
  answers: '{n} answers',
  comments: 'Comments',
  commentsHidden: 'Comments are shown from {min} answers on.',
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
  pending: '{n} neuere Antworten werden gezählt, sobald mindestens {min} vorliegen.',
  responseRate: 'Rücklaufquote',
  ofDelivered: '{r} von {d} zugestellten Einladungen',
  marginOfError: 'Fehlerspanne ±{moe} (95 %)',
  adjusted: 'adjustiertes Wald-Intervall {low} bis {high}',
  suppressed: 'Weniger als {min} Antworten oder zu wenige außerhalb dieser Auswahl: nur die Anzahl wird gezeigt.',
  overTime: 'Im Zeitverlauf',
  band: 'Das Band zeigt die Fehlerspanne. Lücken sind Zeiträume mit zu wenigen Antworten.',
  distribution: 'Antworten je Wert',
  breakdown: 'Nach {attribute}',
  notSet: '(nicht gesetzt)',
  hidden: 'verborgen ({n} Antworten)',
  answers: '{n} Antworten',
  comments: 'Kommentare',
  commentsHidden: 'Kommentare werden ab {min} Antworten gezeigt.',
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
  pending: '{n} nyere svar telles når minst {min} har kommet inn.',
  responseRate: 'Svarprosent',
  ofDelivered: '{r} av {d} leverte invitasjoner',
  marginOfError: 'feilmargin ±{moe} (95 %)',
  adjusted: 'justert Wald-intervall {low} til {high}',
  suppressed: 'Færre enn {min} svar, eller for få utenfor dette utvalget: bare antallet vises.',
  overTime: 'Over tid',
  band: 'Båndet viser feilmarginen. Hull er perioder med for få svar til å vises.',
  distribution: 'Svar per verdi',
  breakdown: 'Etter {attribute}',
  notSet: '(ikke satt)',
  hidden: 'skjult ({n} svar)',
  answers: '{n} svar',
  comments: 'Kommentarer',
  commentsHidden: 'Kommentarer vises fra {min} svar.',
  noComments: 'Ingen kommentarer i denne perioden.',
  moreComments: 'Viser {shown} av {n} kommentarer.',
  definitions: 'Slik lages tallene',
  generated: 'Laget {at}. Anonymt: ingen svar i denne rapporten kan spores til en person.'
}

export const REPORT_TEXT: Record<Locale, ReportText> = { en, de, nb }

export function fill (text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? `{${k}}`))
}
