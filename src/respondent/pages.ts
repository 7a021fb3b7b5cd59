import type { FastifyReply } from 'fastify'
import { MESSAGES } from '../i18n/messages.js'
import type { Problem } from '../plugins/problems.js'
import type { Locale } from '../schemas.js'
import { DEFAULT_COMMENT_PROMPT, DEFAULT_QUESTIONS, SCALES, withDefaults } from '../surveys/defaults.js'
import { itemsView } from './item-view.js'
import { MAX_COMMENT } from './schemas.js'
import type { AnswerTarget } from './targets.js'

export interface FormState {
  score?: number | undefined
  comment?: string | undefined
  /** The items' answers as sent, by key. */
  items?: Record<string, string | string[]> | undefined
  /** Paths of the fields the last submit got wrong (`body.score`, `body.items.<key>`, `body.comment`). */
  invalid?: string[] | undefined
}

/** What templates/pages/survey.hbs shows: the question, the scale as a radio group, the items, a comment box. */
export function surveyPage (target: AnswerTarget, locale: Locale, form: FormState = {}): object {
  const { survey } = target
  const t = MESSAGES[locale]
  const scale = SCALES[survey.metric]
  const ends = t.scaleEnds[survey.metric]
  const invalid = new Set(form.invalid ?? [])
  const prefix = 'body.items.'
  const invalidItems = new Set([...invalid].filter(p => p.startsWith(prefix)).map(p => p.slice(prefix.length)))
  const items = itemsView(survey, locale, { values: form.items, invalid: invalidItems })
  const errors = [
    ...(invalid.has('body.score')
      ? [{ field: `score-${scale.min}`, message: t.scoreMissing(scale.min, scale.max) }]
      : []),
    ...items.errors,
    ...(invalid.has('body.comment') ? [{ field: 'comment', message: t.commentTooLong(MAX_COMMENT) }] : [])
  ]
  const options = []
  for (let value = scale.min; value <= scale.max; value++) options.push({ value, checked: value === form.score })
  return {
    lang: locale,
    title: errors.length > 0 ? `${t.errorSummary} – ${t.surveyTitle}` : t.surveyTitle,
    t,
    question: withDefaults(survey.question, DEFAULT_QUESTIONS[survey.metric])[locale],
    commentPrompt: withDefaults(survey.commentPrompt, DEFAULT_COMMENT_PROMPT)[locale],
    options,
    items: items.items,
    conditional: items.conditional,
    min: scale.min,
    max: scale.max,
    low: ends.low,
    high: ends.high,
    hint: t.scaleHint(scale.min, ends.low, scale.max, ends.high),
    comment: form.comment ?? '',
    maxComment: MAX_COMMENT,
    commentLimit: t.commentLimit(MAX_COMMENT),
    errors,
    scoreError: errors.find(e => e.field.startsWith('score'))?.message,
    commentError: errors.find(e => e.field === 'comment')?.message
  }
}

/** The items' values of a rejected form, to show them again: strings and lists of strings only. */
export function formItems (raw: unknown): Record<string, string | string[]> | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const values: Record<string, string | string[]> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') values[key] = value
    else if (Array.isArray(value)) values[key] = value.filter((v): v is string => typeof v === 'string')
  }
  return values
}

export function thanksPage (locale: Locale): object {
  const t = MESSAGES[locale]
  return { lang: locale, title: t.thanksTitle, heading: t.thanksTitle, body: t.thanksBody }
}

const PROBLEM_PAGES: Record<string, keyof typeof MESSAGES.en.errors> = {
  not_found: 'not_found',
  already_answered: 'already_answered',
  link_expired: 'expired',
  survey_closed: 'closed',
  invitation_cancelled: 'cancelled',
  collector_closed: 'retired',
  cooldown: 'cooldown',
  collector_busy: 'busy',
  rate_limited: 'too_many'
}

/** A friendly page for a problem on a respondent route, with the problem's status code. */
export function sendErrorPage (reply: FastifyReply, problem: Problem, locale: Locale): FastifyReply {
  const key = PROBLEM_PAGES[problem.code] ?? (problem.status >= 500 ? 'failed' : 'bad_request')
  const text = MESSAGES[locale].errors[key]
  return reply
    .code(problem.status)
    .view('pages/respondent-error', { lang: locale, title: text.title, heading: text.title, body: text.body })
}
