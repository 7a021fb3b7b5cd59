import { z } from 'zod'
import { LOCALES, type Locale } from '../schemas.js'
import type { Scale } from './defaults.js'
import type { LocalizedText } from './tables.js'

// A survey's items: the questions it asks beside its primary score (docs/api.md, "Items").
// Stored as given on the survey row (src/surveys/tables.ts); texts a survey left out are filled
// in when read, from the built-in texts of the same key (src/surveys/default-items.ts) or else from
// another locale the survey gave.

export const ITEM_TYPES = ['yes_no', 'rating', 'choice', 'multi_choice', 'text'] as const
export type ItemType = typeof ITEM_TYPES[number]

/** Items a survey asks at most at a time; retired ones keep their answers and do not count. */
export const MAX_ACTIVE_ITEMS = 10
/** Every item a survey ever had, retired ones included. */
export const MAX_ITEMS = 30
export const MAX_OPTIONS = 12
/** A `rating` item is a labelled 1–5 scale. */
export const RATING_SCALE: Scale = { min: 1, max: 5 }
/** Keys the answer body already uses for itself. */
export const RESERVED_KEYS = ['score', 'comment']

const KEY_PATTERN = /^[a-z][a-z0-9_]{0,31}$/
const key = z.string()
  .regex(KEY_PATTERN, 'must be 1–32 characters: a lowercase letter, then lowercase letters, digits or _')
const text = z.string().trim().min(1).max(500)
const texts = z.strictObject({ en: text.optional(), de: text.optional(), nb: text.optional() })

export interface ShowIf {
  score_at_most?: number | undefined
  score_at_least?: number | undefined
  scores?: number[] | undefined
}

const score = z.number().int().min(0).max(10)
export const ShowIfSchema = z.union([
  z.strictObject({
    score_at_most: score.optional(),
    score_at_least: score.optional()
  }).refine(v => v.score_at_most !== undefined || v.score_at_least !== undefined,
    'needs score_at_most, score_at_least or scores'),
  z.strictObject({ scores: z.array(score).min(1).max(11) })
]).meta({
  description: 'Ask the item only for these primary scores: a range (`score_at_most`, `score_at_least` or both, ' +
    'inclusive) or a set (`scores`), on the survey\'s scale (NPS 0–10, CSAT 1–5, CES 1–7). ' +
    'Left out or null: always asked'
})

export const OptionSchema = z.strictObject({
  key,
  label: texts.optional()
    .meta({ description: 'Per locale; locales left out use the built-in label of the key, else another locale' })
})

export const ItemInputSchema = z.strictObject({
  key: key
    .meta({ description: 'Stable across the survey\'s life and across surveys: answers and results are keyed by it' }),
  type: z.enum(ITEM_TYPES).meta({
    description: '`yes_no`; `rating`: a labelled 1–5 scale; `choice`: one option; ' +
      '`multi_choice`: any of the options; `text`: free text'
  }),
  question: texts.optional()
    .meta({ description: 'Per locale; locales left out use the built-in text of the key, else another locale' }),
  required: z.boolean().default(false).meta({ description: 'An answer must have it (when it is shown for the score)' }),
  options: z.array(OptionSchema).min(2).max(MAX_OPTIONS).optional()
    .meta({ description: 'For choice and multi_choice: 2–12 options' }),
  show_if: ShowIfSchema.nullable().optional(),
  retired: z.boolean().default(false).meta({ description: 'No longer asked; its stored answers are kept' })
})
export type ItemInput = z.infer<typeof ItemInputSchema>

export const ItemsInputSchema = z.array(ItemInputSchema).max(MAX_ITEMS)
  .meta({
    description: 'The items in the order the page asks them, at most 10 not retired.' +
    ' Replaces the whole list on a change'
  })

const LocalizedTextSchema = z.object(
  Object.fromEntries(LOCALES.map(l => [l, z.string()])) as Record<Locale, z.ZodString>
)
export const ItemSchema = z.object({
  key: z.string(),
  type: z.enum(ITEM_TYPES),
  question: LocalizedTextSchema,
  required: z.boolean(),
  options: z.array(z.object({ key: z.string(), label: LocalizedTextSchema })).optional(),
  show_if: z.object({
    score_at_most: z.number().int().optional(),
    score_at_least: z.number().int().optional(),
    scores: z.array(z.number().int()).optional()
  }).nullable(),
  retired: z.boolean()
}).meta({ id: 'SurveyItem' })
export type Item = z.infer<typeof ItemSchema>

/** An item as stored on the survey row: what the API was given, texts not filled in. */
export interface StoredItem {
  key: string
  type: ItemType
  question: LocalizedText
  required: boolean
  options?: Array<{ key: string, label: LocalizedText }> | undefined
  show_if: ShowIf | null
  retired: boolean
}

// A set of scores is kept in order, so that the same set always reads (and compares) the same.
function storedShowIf (rule: ItemInput['show_if']): ShowIf | null {
  if (rule === undefined || rule === null) return null
  return 'scores' in rule ? { scores: [...rule.scores].sort((a, b) => a - b) } : rule
}

export function toStoredItem (input: ItemInput): StoredItem {
  return {
    key: input.key,
    type: input.type,
    question: input.question ?? {},
    required: input.required,
    ...(input.options === undefined ? {} : { options: input.options.map(o => ({ key: o.key, label: o.label ?? {} })) }),
    show_if: storedShowIf(input.show_if),
    retired: input.retired
  }
}

export const hasOptions = (type: ItemType): boolean => type === 'choice' || type === 'multi_choice'

/** The primary scores for which the item is asked. */
export function shownFor (item: Pick<StoredItem, 'show_if'>, scale: Scale): number[] {
  const all: number[] = []
  for (let s = scale.min; s <= scale.max; s++) all.push(s)
  const rule = item.show_if
  if (rule === null) return all
  if (rule.scores !== undefined) return all.filter(s => rule.scores!.includes(s))
  return all.filter(s => (rule.score_at_most === undefined || s <= rule.score_at_most) &&
    (rule.score_at_least === undefined || s >= rule.score_at_least))
}

export function isShown (item: Pick<StoredItem, 'show_if'>, scale: Scale, score: number): boolean {
  return shownFor(item, scale).includes(score)
}

/** A text in every locale: the item's own, else the built-in one, else the first the item has in another locale. */
export function fillTexts (
  own: LocalizedText, builtIn: LocalizedText | undefined, defaultLocale: Locale
): Record<Locale, string> {
  const fallback = own[defaultLocale] ?? own.en ?? own.de ?? own.nb ?? ''
  return {
    en: own.en ?? builtIn?.en ?? fallback,
    de: own.de ?? builtIn?.de ?? fallback,
    nb: own.nb ?? builtIn?.nb ?? fallback
  }
}
