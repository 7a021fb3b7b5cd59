import type { Locale } from '../schemas.js'
import type { Metric } from '../surveys/defaults.js'

// Every string a respondent reads, per locale, in one place: pages, posters, and mail later.
// A survey's own question and comment prompt come from the survey; these are the frame around them.

export interface RespondentMessages {
  /** The language's own name, for a language menu or a mail footer. */
  languageName: string
  surveyTitle: string
  submit: string
  anonymityNote: string
  commentLimit: (max: number) => string
  /** What the ends of each scale mean, e.g. 1 = very dissatisfied. */
  scaleEnds: Record<Metric, { low: string; high: string }>
  scaleHint: (min: number, low: string, max: number, high: string) => string
  errorSummary: string
  scoreMissing: (min: number, max: number) => string
  commentTooLong: (max: number) => string
  thanksTitle: string
  thanksBody: string
  /** The opt-out pages behind a mail's unsubscribe link: a confirmation, then what it did. */
  unsubscribe: { title: string; body: string; button: string; doneTitle: string; doneBody: string }
  errors: Record<
    | 'not_found'
    | 'already_answered'
    | 'expired'
    | 'closed'
    | 'cancelled'
    | 'retired'
    | 'cooldown'
    | 'busy'
    | 'too_many'
    | 'bad_request'
    | 'failed',
    { title: string; body: string }
  >
  /** The printed A4 poster of a collector, around the survey's question and its QR code. */
  poster: { heading: string; scan: string; orOpen: string; duration: string; anonymous: string }
}

const en: RespondentMessages = {
  languageName: 'English',
  surveyTitle: 'Your feedback',
  submit: 'Send answer',
  anonymityNote:
    'Your answer is anonymous: it is stored without your name, your e-mail address or the time of day, ' +
    'and it is only shown together with the answers of others.',
  commentLimit: max => `At most ${max} characters.`,
  scaleEnds: {
    nps: { low: 'not at all likely', high: 'extremely likely' },
    csat: { low: 'very dissatisfied', high: 'very satisfied' },
    ces: { low: 'very difficult', high: 'very easy' }
  },
  scaleHint: (min, low, max, high) => `${min} means ${low}, ${max} means ${high}.`,
  errorSummary: 'Please check your answer.',
  scoreMissing: (min, max) => `Choose a score from ${min} to ${max}.`,
  commentTooLong: max => `Your comment is too long: at most ${max} characters, please.`,
  thanksTitle: 'Thank you!',
  thanksBody: 'Your answer has been recorded. You can close this page.',
  unsubscribe: {
    title: 'Unsubscribe from survey e-mails',
    body: 'Confirm that you want no more survey e-mails from us, reminders included.',
    button: 'Unsubscribe',
    doneTitle: 'You are unsubscribed',
    doneBody:
      'You will get no more survey e-mails from us. ' +
      'A survey link you already have still works if you would like to answer.'
  },
  errors: {
    not_found: {
      title: 'Link not found',
      body: 'This survey link is not known. Please check that you opened the whole link from your e-mail.'
    },
    already_answered: {
      title: 'Already answered',
      body: 'This survey has already been answered with this link. Thank you for your feedback!'
    },
    expired: {
      title: 'This link has expired',
      body: 'The time to answer this survey has passed. Thank you all the same.'
    },
    closed: { title: 'This survey has closed', body: 'The survey no longer takes answers. Thank you all the same.' },
    cancelled: {
      title: 'This survey was withdrawn',
      body: 'The case this survey asked about was reopened, so the survey is no longer needed.'
    },
    bad_request: { title: 'Something is wrong with this request', body: 'Please go back and try again.' },
    retired: {
      title: 'This code is no longer in use',
      body: 'Answers are no longer collected through this code. Thank you all the same.'
    },
    cooldown: {
      title: 'You have just answered',
      body: 'Thank you! Please wait a little before you answer again from this device.'
    },
    busy: {
      title: 'Many answers right now',
      body:
        'This code has received as many answers as it takes in an hour. ' +
        'Please try again later; thank you for your patience.'
    },
    too_many: {
      title: 'Too many requests from here',
      body: 'Too many requests came from your network just now. Please try again in a minute.'
    },
    failed: {
      title: 'Something went wrong',
      body: 'Your answer could not be handled just now. Please try again in a moment.'
    }
  },
  poster: {
    heading: 'Tell us how we did',
    scan: "Scan the code with your phone's camera to answer.",
    orOpen: 'Or open',
    duration: 'It takes less than a minute.',
    anonymous: 'Your answer is anonymous: we do not ask for your name, your e-mail address or a login.'
  }
}

const de: RespondentMessages = {
  languageName: 'Deutsch',
  surveyTitle: 'Ihre Rückmeldung',
  submit: 'Antwort senden',
  anonymityNote:
    'Ihre Antwort ist anonym: Sie wird ohne Ihren Namen, Ihre E-Mail-Adresse und ohne Uhrzeit gespeichert ' +
    'und nur zusammen mit den Antworten anderer gezeigt.',
  commentLimit: max => `Höchstens ${max} Zeichen.`,
  scaleEnds: {
    nps: { low: 'überhaupt nicht wahrscheinlich', high: 'äußerst wahrscheinlich' },
    csat: { low: 'sehr unzufrieden', high: 'sehr zufrieden' },
    ces: { low: 'sehr schwierig', high: 'sehr einfach' }
  },
  scaleHint: (min, low, max, high) => `${min} bedeutet ${low}, ${max} bedeutet ${high}.`,
  errorSummary: 'Bitte prüfen Sie Ihre Antwort.',
  scoreMissing: (min, max) => `Wählen Sie einen Wert von ${min} bis ${max}.`,
  commentTooLong: max => `Ihr Kommentar ist zu lang: bitte höchstens ${max} Zeichen.`,
  thanksTitle: 'Vielen Dank!',
  thanksBody: 'Ihre Antwort wurde gespeichert. Sie können diese Seite jetzt schließen.',
  unsubscribe: {
    title: 'Umfrage-E-Mails abbestellen',
    body:
      'Bitte bestätigen Sie, dass Sie keine Umfrage-E-Mails mehr von uns erhalten möchten, ' +
      'auch keine Erinnerungen.',
    button: 'Abbestellen',
    doneTitle: 'Sie haben abbestellt',
    doneBody:
      'Sie erhalten keine Umfrage-E-Mails mehr von uns. ' +
      'Ein Umfrage-Link, den Sie schon haben, funktioniert weiterhin, falls Sie antworten möchten.'
  },
  errors: {
    not_found: {
      title: 'Link nicht gefunden',
      body:
        'Dieser Umfrage-Link ist nicht bekannt. ' +
        'Bitte prüfen Sie, ob Sie den vollständigen Link aus Ihrer E-Mail geöffnet haben.'
    },
    already_answered: {
      title: 'Bereits beantwortet',
      body: 'Diese Umfrage wurde mit diesem Link bereits beantwortet. Vielen Dank für Ihre Rückmeldung!'
    },
    expired: {
      title: 'Dieser Link ist abgelaufen',
      body: 'Die Frist für diese Umfrage ist vorbei. Trotzdem vielen Dank.'
    },
    closed: {
      title: 'Diese Umfrage ist beendet',
      body: 'Die Umfrage nimmt keine Antworten mehr an. Trotzdem vielen Dank.'
    },
    cancelled: {
      title: 'Diese Umfrage wurde zurückgezogen',
      body: 'Der Vorgang, um den es ging, wurde wieder geöffnet; die Umfrage wird daher nicht mehr benötigt.'
    },
    bad_request: {
      title: 'Mit dieser Anfrage stimmt etwas nicht',
      body: 'Bitte gehen Sie zurück und versuchen Sie es erneut.'
    },
    retired: {
      title: 'Dieser Code wird nicht mehr verwendet',
      body: 'Über diesen Code werden keine Antworten mehr gesammelt. Trotzdem vielen Dank.'
    },
    cooldown: {
      title: 'Sie haben gerade geantwortet',
      body: 'Vielen Dank! Bitte warten Sie einen Moment, bevor Sie von diesem Gerät erneut antworten.'
    },
    busy: {
      title: 'Gerade sehr viele Antworten',
      body:
        'Über diesen Code sind so viele Antworten eingegangen, wie er pro Stunde annimmt. ' +
        'Bitte versuchen Sie es später noch einmal; danke für Ihre Geduld.'
    },
    too_many: {
      title: 'Zu viele Anfragen von hier',
      body: 'Aus Ihrem Netzwerk kamen gerade zu viele Anfragen. Bitte versuchen Sie es in einer Minute noch einmal.'
    },
    failed: {
      title: 'Etwas ist schiefgegangen',
      body: 'Ihre Antwort konnte gerade nicht verarbeitet werden. Bitte versuchen Sie es gleich noch einmal.'
    }
  },
  poster: {
    heading: 'Wie war unser Service?',
    scan: 'Scannen Sie den Code mit der Kamera Ihres Telefons, um zu antworten.',
    orOpen: 'Oder öffnen Sie',
    duration: 'Es dauert weniger als eine Minute.',
    anonymous:
      'Ihre Antwort ist anonym: Wir fragen weder nach Ihrem Namen noch nach Ihrer E-Mail-Adresse oder einer Anmeldung.'
  }
}

const nb: RespondentMessages = {
  languageName: 'Norsk bokmål',
  surveyTitle: 'Din tilbakemelding',
  submit: 'Send svar',
  anonymityNote:
    'Svaret ditt er anonymt: det lagres uten navnet ditt, e-postadressen din eller klokkeslett, ' +
    'og vises bare sammen med svarene fra andre.',
  commentLimit: max => `Maks ${max} tegn.`,
  scaleEnds: {
    nps: { low: 'svært lite sannsynlig', high: 'svært sannsynlig' },
    csat: { low: 'svært misfornøyd', high: 'svært fornøyd' },
    ces: { low: 'svært vanskelig', high: 'svært enkelt' }
  },
  scaleHint: (min, low, max, high) => `${min} betyr ${low}, ${max} betyr ${high}.`,
  errorSummary: 'Se over svaret ditt.',
  scoreMissing: (min, max) => `Velg en verdi fra ${min} til ${max}.`,
  commentTooLong: max => `Kommentaren er for lang: maks ${max} tegn.`,
  thanksTitle: 'Takk!',
  thanksBody: 'Svaret ditt er registrert. Du kan lukke denne siden.',
  unsubscribe: {
    title: 'Meld deg av e-poster med undersøkelser',
    body: 'Bekreft at du ikke lenger vil ha e-poster med undersøkelser fra oss, heller ikke påminnelser.',
    button: 'Meld meg av',
    doneTitle: 'Du er meldt av',
    doneBody:
      'Du får ikke flere e-poster med undersøkelser fra oss. ' +
      'En lenke til en undersøkelse som du allerede har, virker fortsatt hvis du vil svare.'
  },
  errors: {
    not_found: {
      title: 'Fant ikke lenken',
      body: 'Denne undersøkelseslenken er ukjent. Sjekk at du åpnet hele lenken fra e-posten.'
    },
    already_answered: {
      title: 'Allerede besvart',
      body: 'Denne undersøkelsen er allerede besvart med denne lenken. Takk for tilbakemeldingen!'
    },
    expired: {
      title: 'Lenken er utløpt',
      body: 'Fristen for å svare på denne undersøkelsen er ute. Takk likevel.'
    },
    closed: { title: 'Undersøkelsen er avsluttet', body: 'Undersøkelsen tar ikke imot flere svar. Takk likevel.' },
    cancelled: {
      title: 'Undersøkelsen er trukket tilbake',
      body: 'Saken undersøkelsen gjaldt er åpnet igjen, så undersøkelsen trengs ikke lenger.'
    },
    bad_request: { title: 'Noe er galt med forespørselen', body: 'Gå tilbake og prøv igjen.' },
    retired: {
      title: 'Koden er ikke lenger i bruk',
      body: 'Det samles ikke lenger inn svar gjennom denne koden. Takk likevel.'
    },
    cooldown: { title: 'Du har nettopp svart', body: 'Takk! Vent litt før du svarer igjen fra denne enheten.' },
    busy: {
      title: 'Mange svar akkurat nå',
      body:
        'Denne koden har fått så mange svar som den tar imot i timen. ' +
        'Prøv igjen senere; takk for tålmodigheten.'
    },
    too_many: {
      title: 'For mange forespørsler herfra',
      body: 'Det kom for mange forespørsler fra nettverket ditt akkurat nå. Prøv igjen om et minutt.'
    },
    failed: { title: 'Noe gikk galt', body: 'Svaret ditt kunne ikke behandles akkurat nå. Prøv igjen om litt.' }
  },
  poster: {
    heading: 'Hvordan var servicen?',
    scan: 'Skann koden med kameraet på mobilen for å svare.',
    orOpen: 'Eller åpne',
    duration: 'Det tar under ett minutt.',
    anonymous: 'Svaret ditt er anonymt: vi spør ikke om navnet ditt, e-postadressen din eller innlogging.'
  }
}

export const MESSAGES: Record<Locale, RespondentMessages> = { en, de, nb }
