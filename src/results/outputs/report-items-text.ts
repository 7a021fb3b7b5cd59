import type { Locale } from '../../schemas.js'
import type { Plural } from './report-text.js'

// The report's words for item sections (report-items.ts), per locale. Item questions and option
// labels come from the survey.
const en = {
  months: 'Complete months: {from} – {to}.',
  noMonths: 'Item results count complete months; none is complete in this period yet.',
  answered: { one: '1 answer', other: '{n} answers' } as Plural,
  hidden: 'Too few answers to this question, or too few outside this selection: not shown.',
  yesShare: 'Yes: {percent} % (95 % interval {low}–{high} %)',
  yesOverTime: 'Share of yes by month',
  band: 'The band shows the 95 % interval. Gaps are months with too few answers to show.',
  mean: 'Mean {mean} of 5 (95 % interval {low}–{high}) · 4 or 5: {top} %',
  meanOverTime: 'Mean by month',
  distribution: 'Answers per rating',
  options: 'Share of those who answered, per answer',
  multi: 'Several answers could be chosen, so the shares may add up to more than 100 %.',
  text: 'Free-text answers are not shown in the report.'
}
export type ItemText = typeof en

const de: ItemText = {
  months: 'Abgeschlossene Monate: {from} – {to}.',
  noMonths: 'Ergebnisse der Fragen zählen abgeschlossene Monate; in diesem Zeitraum ist noch keiner abgeschlossen.',
  answered: { one: '1 Antwort', other: '{n} Antworten' },
  hidden: 'Zu wenige Antworten auf diese Frage oder zu wenige außerhalb dieser Auswahl: nicht gezeigt.',
  yesShare: 'Ja: {percent} % (95-%-Intervall {low}–{high} %)',
  yesOverTime: 'Anteil Ja je Monat',
  band: 'Das Band zeigt das 95-%-Intervall. Lücken sind Monate mit zu wenigen Antworten.',
  mean: 'Mittelwert {mean} von 5 (95-%-Intervall {low}–{high}) · 4 oder 5: {top} %',
  meanOverTime: 'Mittelwert je Monat',
  distribution: 'Antworten je Bewertung',
  options: 'Anteil derer, die geantwortet haben, je Antwort',
  multi: 'Mehrere Antworten waren möglich, daher können die Anteile zusammen über 100 % liegen.',
  text: 'Freitextantworten werden im Bericht nicht gezeigt.'
}

const nb: ItemText = {
  months: 'Hele måneder: {from} – {to}.',
  noMonths: 'Resultater for spørsmålene teller hele måneder; ingen er hel i denne perioden ennå.',
  answered: { one: '1 svar', other: '{n} svar' },
  hidden: 'For få svar på dette spørsmålet, eller for få utenfor dette utvalget: vises ikke.',
  yesShare: 'Ja: {percent} % (95 %-intervall {low}–{high} %)',
  yesOverTime: 'Andel ja per måned',
  band: 'Båndet viser 95 %-intervallet. Hull er måneder med for få svar til å vises.',
  mean: 'Snitt {mean} av 5 (95 %-intervall {low}–{high}) · 4 eller 5: {top} %',
  meanOverTime: 'Snitt per måned',
  distribution: 'Svar per vurdering',
  options: 'Andel av dem som svarte, per svar',
  multi: 'Flere svar kunne velges, så andelene kan til sammen bli over 100 %.',
  text: 'Fritekstsvar vises ikke i rapporten.'
}

export const ITEM_TEXT: Record<Locale, ItemText> = { en, de, nb }
