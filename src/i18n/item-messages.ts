import type { Locale } from '../schemas.js'

// The frame around a survey's items on the respondent's page, per locale (src/respondent/item-view.ts).
// The items' own questions and option labels come from the survey (src/surveys/default-items.ts).

export interface ItemMessages {
  yes: string
  no: string
  /** What the ends of a rating item's 1–5 scale mean. */
  ratingLow: string
  ratingHigh: string
  required: string
  chooseAny: string
  /** A required yes/no, rating or choice item left out, or a value that is not one of its answers. */
  chooseOne: string
  /** A required multi-choice item left out. */
  chooseSome: string
  /** A required text item left empty. */
  answerText: string
  textTooLong: (max: number) => string
}

export const ITEM_MESSAGES: Record<Locale, ItemMessages> = {
  en: {
    yes: 'Yes',
    no: 'No',
    ratingLow: 'very poor',
    ratingHigh: 'very good',
    required: '(required)',
    chooseAny: 'Choose all that apply.',
    chooseOne: 'Choose one of the answers.',
    chooseSome: 'Choose at least one of the answers.',
    answerText: 'Please answer this question.',
    textTooLong: max => `Your answer is too long: at most ${max} characters, please.`
  },
  de: {
    yes: 'Ja',
    no: 'Nein',
    ratingLow: 'sehr schlecht',
    ratingHigh: 'sehr gut',
    required: '(Pflichtangabe)',
    chooseAny: 'Wählen Sie alles Zutreffende aus.',
    chooseOne: 'Wählen Sie eine der Antworten.',
    chooseSome: 'Wählen Sie mindestens eine der Antworten.',
    answerText: 'Bitte beantworten Sie diese Frage.',
    textTooLong: max => `Ihre Antwort ist zu lang: bitte höchstens ${max} Zeichen.`
  },
  nb: {
    yes: 'Ja',
    no: 'Nei',
    ratingLow: 'svært dårlig',
    ratingHigh: 'svært bra',
    required: '(påkrevd)',
    chooseAny: 'Velg alt som passer.',
    chooseOne: 'Velg ett av svarene.',
    chooseSome: 'Velg minst ett av svarene.',
    answerText: 'Svar på dette spørsmålet.',
    textTooLong: max => `Svaret ditt er for langt: høyst ${max} tegn.`
  }
}
