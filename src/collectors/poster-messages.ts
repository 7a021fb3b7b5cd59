import type { Locale } from '../schemas.js'

// The poster's frame around the survey's own question, per locale. The question itself comes from
// the survey; these few lines move to the shared respondent messages once they exist.
export interface PosterMessages {
  heading: string
  scan: string
  orOpen: string
  duration: string
  anonymous: string
}

export const POSTER_MESSAGES: Record<Locale, PosterMessages> = {
  en: {
    heading: 'Tell us how we did',
    scan: 'Scan the code with your phone\'s camera to answer.',
    orOpen: 'Or open',
    duration: 'It takes less than a minute.',
    anonymous: 'Your answer is anonymous: we do not ask for your name, your e-mail address or a login.'
  },
  de: {
    heading: 'Wie war unser Service?',
    scan: 'Scannen Sie den Code mit der Kamera Ihres Telefons, um zu antworten.',
    orOpen: 'Oder öffnen Sie',
    duration: 'Es dauert weniger als eine Minute.',
    anonymous: 'Ihre Antwort ist anonym: Wir fragen weder nach Ihrem Namen noch nach Ihrer E-Mail-Adresse oder einer Anmeldung.'
  },
  nb: {
    heading: 'Hvordan var servicen?',
    scan: 'Skann koden med kameraet på mobilen for å svare.',
    orOpen: 'Eller åpne',
    duration: 'Det tar under ett minutt.',
    anonymous: 'Svaret ditt er anonymt: vi spør ikke om navnet ditt, e-postadressen din eller innlogging.'
  }
}
