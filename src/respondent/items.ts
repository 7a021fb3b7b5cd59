import type { FieldError } from '../errors.js'
import type { ItemAnswers } from '../responses/tables.js'
import { SCALES } from '../surveys/defaults.js'
import { isShown, RATING_SCALE, type StoredItem } from '../surveys/items.js'
import type { SurveyRow } from '../surveys/tables.js'
import { MAX_TEXT_ANSWER } from './schemas.js'

// An answer's items, checked against the survey's definitions (src/surveys/items.ts) before
// anything is stored: every bad value is a field error naming `body.items.<key>`.

export type RawItemValue = string | number | string[] | null

/** How the answer came: a form cannot un-answer an item that CSS hid after it was answered. */
export type AnswerSource = 'form' | 'json'

type Checked = { value: string | number | string[] } | { empty: true } | { error: string }

const isEmpty = (raw: RawItemValue | undefined): boolean => raw === undefined || raw === null ||
  (typeof raw === 'string' && raw.trim() === '') || (Array.isArray(raw) && raw.length === 0)

/** A survey's asked items by key, with their option keys: made once per definitions (kept, src/db/kept-json.ts). */
type Asked = Map<string, { item: StoredItem, options: string[] }>
const askedOf = new WeakMap<readonly StoredItem[], Asked>()

function asked (items: readonly StoredItem[]): Asked {
  let byKey = askedOf.get(items)
  if (byKey === undefined) {
    byKey = new Map(items.filter(item => !item.retired)
      .map(item => [item.key, { item, options: (item.options ?? []).map(o => o.key) }]))
    askedOf.set(items, byKey)
  }
  return byKey
}

function checkValue (item: StoredItem, options: readonly string[], raw: RawItemValue): Checked {
  switch (item.type) {
    case 'yes_no':
      return raw === 'yes' || raw === 'no' ? { value: raw } : { error: 'must be "yes" or "no"' }
    case 'rating': {
      const n = typeof raw === 'string' && /^\s*\d{1,2}\s*$/.test(raw) ? Number(raw) : raw
      return typeof n === 'number' && Number.isInteger(n) && n >= RATING_SCALE.min && n <= RATING_SCALE.max
        ? { value: n }
        : { error: `must be a whole number from ${RATING_SCALE.min} to ${RATING_SCALE.max}` }
    }
    case 'choice':
      return typeof raw === 'string' && options.includes(raw)
        ? { value: raw }
        : { error: `must be one of: ${options.join(', ')}` }
    case 'multi_choice': {
      const chosen = Array.isArray(raw) ? raw : [raw]
      if (!chosen.every(c => typeof c === 'string' && options.includes(c))) {
        return { error: `must be a list of: ${options.join(', ')}` }
      }
      if (new Set(chosen).size !== chosen.length) return { error: 'lists an option twice' }
      // In the survey's order, so that two answers with the same options are stored alike.
      return { value: options.filter(o => chosen.includes(o)) }
    }
    case 'text': {
      if (typeof raw !== 'string') return { error: 'must be text' }
      // As the comment: line breaks normalised, then trimmed, then the length checked.
      const value = raw.replace(/\r\n?/g, '\n').trim()
      return value.length > MAX_TEXT_ANSWER ? { error: `must be at most ${MAX_TEXT_ANSWER} characters` } : { value }
    }
  }
}

/**
 * The item answers to store with a response (null: none), and the field errors that refuse it.
 * An item hidden for the chosen score may not be answered: a JSON answer naming one is refused; a
 * form's value for one is dropped, as the page hid it by CSS after the respondent may have
 * answered it under another score (docs/api.md, "Items"). A required item shown for the score
 * must be answered. `score` is undefined when it is itself invalid: then only the values are checked.
 */
export function checkItemAnswers (
  survey: Pick<SurveyRow, 'metric' | 'items'>,
  score: number | undefined,
  raw: Record<string, RawItemValue> | undefined,
  source: AnswerSource
): { items: ItemAnswers | null, errors: FieldError[] } {
  const scale = SCALES[survey.metric]
  const errors: FieldError[] = []
  const items: ItemAnswers = {}
  const given = raw ?? {}
  const byKey = asked(survey.items)
  for (const key of Object.keys(given)) {
    if (!byKey.has(key)) errors.push({ path: `body.items.${key}`, message: 'is not an item this survey asks' })
  }
  for (const { item, options } of byKey.values()) {
    const path = `body.items.${item.key}`
    const value = given[item.key]
    const shown = score === undefined || isShown(item, scale, score)
    if (isEmpty(value)) {
      if (item.required && shown && score !== undefined) errors.push({ path, message: 'is required' })
      continue
    }
    if (!shown) {
      if (source === 'json') errors.push({ path, message: `is not asked for score ${score}` })
      continue
    }
    const checked = checkValue(item, options, value!)
    if ('error' in checked) errors.push({ path, message: checked.error })
    else if ('value' in checked) items[item.key] = checked.value
  }
  return { items: Object.keys(items).length === 0 ? null : items, errors }
}

/**
 * A form names an item's field `items.<key>` (a multi-choice one once per ticked option); these
 * become the `items` object a JSON answer sends.
 */
export function itemsFromForm (body: Record<string, unknown>): void {
  const items: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(body)) {
    if (!name.startsWith('items.')) continue
    items[name.slice('items.'.length)] = value
    delete body[name]
  }
  if (Object.keys(items).length > 0) body.items = items
}
