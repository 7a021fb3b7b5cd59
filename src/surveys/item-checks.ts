import { isDeepStrictEqual } from 'node:util'
import { AppError, InvalidFieldError } from '../errors.js'
import type { Locale } from '../schemas.js'
import { builtInItem } from './default-items.js'
import { SCALES, type Metric } from './defaults.js'
import {
  fillTexts, hasOptions, MAX_ACTIVE_ITEMS, RESERVED_KEYS, shownFor, type Item, type ShowIf, type StoredItem
} from './items.js'

// Rules on a survey's items that span fields or need the survey: its metric, its answers.

/** The items a survey may store, or a 400 naming the first field that breaks a rule. */
export function checkItems (items: StoredItem[], metric: Metric): void {
  const seen = new Set<string>()
  items.forEach((item, i) => {
    const at = `body.items[${i}]`
    if (RESERVED_KEYS.includes(item.key)) throw new InvalidFieldError(`${at}.key`, `"${item.key}" is reserved`)
    if (seen.has(item.key)) throw new InvalidFieldError(`${at}.key`, `"${item.key}" is used by an earlier item`)
    seen.add(item.key)
    const builtIn = builtInItem(item.key, item.type)
    if (Object.keys(item.question).length === 0 && builtIn === undefined) {
      throw new InvalidFieldError(`${at}.question`,
        `needs a text in at least one locale: "${item.key}" has no built-in ${item.type} text`)
    }
    if (hasOptions(item.type)) {
      if (item.options === undefined) {
        throw new InvalidFieldError(`${at}.options`, `a ${item.type} item needs 2 to 12 options`)
      }
      const keys = new Set<string>()
      item.options.forEach((option, j) => {
        if (keys.has(option.key)) {
          throw new InvalidFieldError(`${at}.options[${j}].key`, `"${option.key}" is used by an earlier option`)
        }
        keys.add(option.key)
        if (Object.keys(option.label).length === 0 && builtIn?.options?.[option.key] === undefined) {
          throw new InvalidFieldError(`${at}.options[${j}].label`,
            `needs a text in at least one locale: "${option.key}" has no built-in label`)
        }
      })
    } else if (item.options !== undefined) {
      throw new InvalidFieldError(`${at}.options`, `only choice and multi_choice items have options, not ${item.type}`)
    }
    if (item.show_if !== null) checkShowIf(item.show_if, metric, `${at}.show_if`)
  })
  const active = items.filter(item => !item.retired).length
  if (active > MAX_ACTIVE_ITEMS) {
    throw new InvalidFieldError('body.items',
      `at most ${MAX_ACTIVE_ITEMS} items may be asked (not retired); this list has ${active}`)
  }
}

function checkShowIf (rule: ShowIf, metric: Metric, at: string): void {
  const { min, max } = SCALES[metric]
  const onScale = (s: number): boolean => s >= min && s <= max
  const off = `is off the ${metric} scale (${min}–${max})`
  for (const bound of ['score_at_most', 'score_at_least'] as const) {
    const value = rule[bound]
    if (value !== undefined && !onScale(value)) throw new InvalidFieldError(`${at}.${bound}`, off)
  }
  const bad = rule.scores?.findIndex(s => !onScale(s)) ?? -1
  if (bad >= 0) throw new InvalidFieldError(`${at}.scores[${bad}]`, off)
  if (rule.scores !== undefined && new Set(rule.scores).size !== rule.scores.length) {
    throw new InvalidFieldError(`${at}.scores`, 'lists a score twice')
  }
  if (shownFor({ show_if: rule }, SCALES[metric]).length === 0) {
    throw new InvalidFieldError(at, 'leaves no score for which the item is asked')
  }
}

/**
 * An answered item never changes meaning (docs/api.md, "Items"): it stays in the list (retired if
 * it is no longer asked), and its type, option keys and the scores it is asked for stay as they
 * were. Its texts, whether it is required, and its place on the page may change. A 409 naming the item.
 */
export function checkAnsweredItems (current: StoredItem[], next: StoredItem[], answered: Set<string>): void {
  for (const before of current) {
    if (!answered.has(before.key)) continue
    const after = next.find(item => item.key === before.key)
    const conflict = (message: string): AppError => new AppError(409, 'item_answered', 'Conflict',
      `body.items.${before.key}: ${message}`, [{ path: `body.items.${before.key}`, message }])
    if (after === undefined) throw conflict('has answers and stays in the list: set retired: true to stop asking it')
    if (after.type !== before.type) {
      throw conflict(`has answers as ${before.type}; its type cannot change (add an item with a new key instead)`)
    }
    const optionKeys = (item: StoredItem): string[] => (item.options ?? []).map(o => o.key).sort()
    if (!isDeepStrictEqual(optionKeys(after), optionKeys(before))) {
      throw conflict('has answers; its option keys cannot change (add an item with a new key instead)')
    }
    if (!isDeepStrictEqual(after.show_if, before.show_if)) {
      throw conflict('has answers; the scores it is asked for cannot change (add an item with a new key instead)')
    }
  }
}

/** An item as the API shows it: texts in every locale. */
export function toItem (item: StoredItem, defaultLocale: Locale): Item {
  const builtIn = builtInItem(item.key, item.type)
  return {
    key: item.key,
    type: item.type,
    question: fillTexts(item.question, builtIn?.question, defaultLocale),
    required: item.required,
    ...(item.options === undefined
      ? {}
      : {
          options: item.options.map(o =>
            ({ key: o.key, label: fillTexts(o.label, builtIn?.options?.[o.key], defaultLocale) }))
        }),
    show_if: item.show_if,
    retired: item.retired
  }
}
