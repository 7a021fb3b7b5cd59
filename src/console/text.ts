import type { Locale } from '../schemas.js'

/** The console's words (docs/access.md), in every language the service speaks. */
export const CONSOLE_TEXT: Record<Locale, Record<string, string>> = {
  en: {
    title: 'Puls console',
    surveys: 'Your teams\' surveys',
    none: 'Your teams have no surveys yet.',
    team: 'Team',
    status: 'Status',
    report: 'Report',
    signedInAs: 'Signed in as',
    signOut: 'Sign out',
    signedOut: 'You are signed out.',
    signIn: 'Sign in again',
    failed: 'Sign-in did not work. Start again from the console.',
    expired: 'This sign-in took too long or was already used. Start again.',
    noTeam: 'Your account belongs to no team in Puls. Ask an administrator to add you to a team\'s group.',
    forbidden: 'The form was not sent from this console. Reload the page and try again.'
  },
  de: {
    title: 'Puls-Konsole',
    surveys: 'Umfragen Ihrer Teams',
    none: 'Ihre Teams haben noch keine Umfragen.',
    team: 'Team',
    status: 'Status',
    report: 'Bericht',
    signedInAs: 'Angemeldet als',
    signOut: 'Abmelden',
    signedOut: 'Sie sind abgemeldet.',
    signIn: 'Erneut anmelden',
    failed: 'Die Anmeldung hat nicht funktioniert. Beginnen Sie erneut in der Konsole.',
    expired: 'Diese Anmeldung hat zu lange gedauert oder wurde schon verwendet. Beginnen Sie erneut.',
    noTeam: 'Ihr Konto gehört zu keinem Team in Puls. ' +
      'Bitten Sie eine Administratorin, Sie einer Teamgruppe hinzuzufügen.',
    forbidden: 'Das Formular wurde nicht aus dieser Konsole gesendet. ' +
      'Laden Sie die Seite neu und versuchen Sie es erneut.'
  },
  nb: {
    title: 'Puls-konsoll',
    surveys: 'Teamenes undersøkelser',
    none: 'Teamene dine har ingen undersøkelser ennå.',
    team: 'Team',
    status: 'Status',
    report: 'Rapport',
    signedInAs: 'Logget inn som',
    signOut: 'Logg ut',
    signedOut: 'Du er logget ut.',
    signIn: 'Logg inn igjen',
    failed: 'Innloggingen virket ikke. Begynn på nytt fra konsollen.',
    expired: 'Denne innloggingen tok for lang tid eller er allerede brukt. Begynn på nytt.',
    noTeam: 'Kontoen din hører ikke til noe team i Puls. Be en administrator legge deg til i et teams gruppe.',
    forbidden: 'Skjemaet ble ikke sendt fra denne konsollen. Last inn siden på nytt og prøv igjen.'
  }
}
