import type { Locale } from '../schemas.js'
import type { LocalizedText } from './tables.js'

export const SURVEY_KINDS = ['post_case', 'self_service', 'relationship'] as const
export const METRICS = ['nps', 'csat', 'ces'] as const
export type SurveyKind = (typeof SURVEY_KINDS)[number]
export type Metric = (typeof METRICS)[number]

export interface KindDefaults {
  metric: Metric
  linkTtlDays: number
  throttleDays: number
  reminderAfterDays: number | null
}

// Defaults per kind (docs/api.md). post_case: 7-day links, 14-day throttle, one reminder.
// relationship: 21-day links, one reminder; its invitations are deduplicated per person and survey
// instead of throttled.
// self_service is answered through collectors and links, so it sends no reminders.
export const KIND_DEFAULTS: Record<SurveyKind, KindDefaults> = {
  post_case: { metric: 'csat', linkTtlDays: 7, throttleDays: 14, reminderAfterDays: 3 },
  self_service: { metric: 'ces', linkTtlDays: 30, throttleDays: 0, reminderAfterDays: null },
  relationship: { metric: 'nps', linkTtlDays: 21, throttleDays: 0, reminderAfterDays: 7 }
}

export const DEFAULT_MIN_GROUP_SIZE = 5
export const DEFAULT_MIN_COMMENT_GROUP_SIZE = 10

export interface Scale {
  min: number
  max: number
}

export const SCALES: Record<Metric, Scale> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 }
}

export const DEFAULT_QUESTIONS: Record<Metric, Record<Locale, string>> = {
  nps: {
    en: 'How likely is it that you would recommend our service to a colleague?',
    de: 'Wie wahrscheinlich ist es, dass Sie unseren Service einer Kollegin oder einem Kollegen empfehlen?',
    nb: 'Hvor sannsynlig er det at du vil anbefale tjenesten vår til en kollega?'
  },
  csat: {
    en: 'How satisfied are you with the help you received?',
    de: 'Wie zufrieden sind Sie mit der Unterstützung, die Sie erhalten haben?',
    nb: 'Hvor fornøyd er du med hjelpen du fikk?'
  },
  ces: {
    en: 'How easy was it to get your request resolved?',
    de: 'Wie einfach war es, Ihr Anliegen zu klären?',
    nb: 'Hvor enkelt var det å få løst saken din?'
  }
}

export const DEFAULT_COMMENT_PROMPT: Record<Locale, string> = {
  en: 'Anything you would like to add? (optional)',
  de: 'Möchten Sie noch etwas ergänzen? (optional)',
  nb: 'Vil du legge til noe? (valgfritt)'
}

/** The survey's own texts over the built-in ones, for every locale. */
export function withDefaults (own: LocalizedText, defaults: Record<Locale, string>): Record<Locale, string> {
  return { en: own.en ?? defaults.en, de: own.de ?? defaults.de, nb: own.nb ?? defaults.nb }
}
