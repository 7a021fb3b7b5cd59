import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Handlebars from 'handlebars'
import { MESSAGES } from '../i18n/messages.js'
import type { Locale } from '../schemas.js'
import { LOCALES } from '../schemas.js'
import { SCALES, SURVEY_KINDS, type Metric, type SurveyKind } from '../surveys/defaults.js'
import type { MailPurpose } from './tables.js'

/** What a survey mail says, before it is rendered. */
export interface SurveyMailInput {
  purpose: MailPurpose
  kind: SurveyKind
  metric: Metric
  locale: Locale
  /** The question in the mail's locale. */
  question: string
  /** The plain token; it exists only now, and ends up only inside the rendered message. */
  token: string
  expiresAt: Date
  caseRef?: string | null | undefined
}

export interface RenderedMail {
  subject: string
  text: string
  html: string
  headers: Record<string, string>
}

interface PurposeStrings {
  subject: string
  intro: string
}
interface MailStrings extends Record<SurveyKind, Record<MailPurpose, PurposeStrings>> {
  hint: string
  score_title: string
  open: string
  expires: string
  anonymous: string
  unsubscribe_lead: string
  unsubscribe: string
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

/** Brand strings over built-in ones, key by key, so a brand file holds only what it changes. */
function merge (base: Json, over: Json): Json {
  if (
    typeof base !== 'object' ||
    base === null ||
    Array.isArray(base) ||
    typeof over !== 'object' ||
    over === null ||
    Array.isArray(over)
  ) { return over }
  const out: Record<string, Json> = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k] as Json, v) : v
  return out
}

function loadStrings (dirs: string[], locale: Locale): MailStrings {
  // Built-in first (the last dir), then each brand folder over it.
  let strings: Json = {}
  for (const dir of [...dirs].reverse()) {
    const file = join(dir, 'mail', 'strings', `${locale}.json`)
    if (existsSync(file)) strings = merge(strings, JSON.parse(readFileSync(file, 'utf8')) as Json)
  }
  return strings as unknown as MailStrings
}

export interface ComposerOptions {
  /** Template folders, brand first, built-in last (as the views plugin uses them). */
  dirs: string[]
  /** The views plugin's render: `mail/<name>` → string. */
  render: (name: string, context: object) => string
  publicUrl: string
}

export type Composer = (input: SurveyMailInput) => RenderedMail

/**
 * Renders survey mail: the wording per locale and kind from `mail/strings/<locale>.json`, the two
 * parts from `mail/<kind>.{html,text}.hbs` when a brand folder has one, else
 * `mail/survey.{html,text}.hbs`. Strings and templates load at start-up, so a broken brand file
 * stops the service at once rather than failing each mail.
 */
export function createComposer (opts: ComposerOptions): Composer {
  const strings = Object.fromEntries(LOCALES.map(l => [l, loadStrings(opts.dirs, l)])) as Record<Locale, MailStrings>
  // Strings are plain text with {{placeholders}}: nothing is escaped here; the HTML template
  // escapes them where they land.
  const hbs = Handlebars.create()
  const compiled = new Map<string, Handlebars.TemplateDelegate>()
  const fill = (template: string, context: object): string => {
    let fn = compiled.get(template)
    if (fn === undefined) {
      fn = hbs.compile(template, { noEscape: true })
      compiled.set(template, fn)
    }
    return fn(context)
  }
  const templateFor = (kind: SurveyKind, part: 'html' | 'text'): string =>
    opts.dirs.some(d => existsSync(join(d, 'mail', `${kind}.${part}.hbs`)))
      ? `mail/${kind}.${part}`
      : `mail/survey.${part}`
  const templates = Object.fromEntries(
    SURVEY_KINDS.map(k => [k, { html: templateFor(k, 'html'), text: templateFor(k, 'text') }])
  ) as Record<SurveyKind, { html: string; text: string }>
  const dates = Object.fromEntries(
    LOCALES.map(l => [l, new Intl.DateTimeFormat(l, { dateStyle: 'long', timeZone: 'UTC' })])
  ) as Record<Locale, Intl.DateTimeFormat>

  return input => {
    const s = strings[input.locale]
    const copy = s[input.kind][input.purpose]
    const scale = SCALES[input.metric]
    // The survey page's own words for the ends of the scale, so mail and page say the same.
    const ends = MESSAGES[input.locale].scaleEnds[input.metric]
    const surveyUrl = `${opts.publicUrl}/s/${input.token}`
    const unsubscribeUrl = `${surveyUrl}/unsubscribe`
    const vars = {
      case_ref: input.caseRef ?? '',
      expires: dates[input.locale].format(input.expiresAt)
    }
    const buttons = []
    for (let score = scale.min; score <= scale.max; score++) {
      const end = score === scale.min ? ends.low : score === scale.max ? ends.high : undefined
      buttons.push({ score, end, url: `${surveyUrl}?score=${score}`, title: fill(s.score_title, { score }) })
    }
    // One line: a subject never carries a line break, whatever a case reference holds.
    const subject = fill(copy.subject, vars).replace(/\s+/g, ' ').trim()
    const context = {
      lang: input.locale,
      kind: input.kind,
      purpose: input.purpose,
      subject,
      intro: fill(copy.intro, vars),
      question: input.question,
      hint: s.hint,
      buttons,
      // Equal cells, so "10" is no wider a target than "1".
      button_width: Math.floor(100 / buttons.length),
      low: { score: scale.min, label: ends.low },
      high: { score: scale.max, label: ends.high },
      survey_url: surveyUrl,
      open: s.open,
      expires: fill(s.expires, vars),
      anonymous: s.anonymous,
      unsubscribe_url: unsubscribeUrl,
      unsubscribe_lead: s.unsubscribe_lead,
      unsubscribe: s.unsubscribe
    }
    return {
      subject,
      html: opts.render(templates[input.kind].html, context),
      text: opts.render(templates[input.kind].text, context),
      headers: {
        // RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
        'List-Unsubscribe': `<${unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        // RFC 3834: automatic mail; out-of-office responders should not answer it.
        'Auto-Submitted': 'auto-generated',
        'X-Auto-Response-Suppress': 'OOF, AutoReply'
      }
    }
  }
}
