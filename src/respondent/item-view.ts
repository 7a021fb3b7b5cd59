import { ITEM_MESSAGES } from '../i18n/item-messages.js'
import { MESSAGES } from '../i18n/messages.js'
import type { Locale } from '../schemas.js'
import { SCALES } from '../surveys/defaults.js'
import { toItem } from '../surveys/item-checks.js'
import { RATING_SCALE, shownFor, type Item } from '../surveys/items.js'
import type { SurveyRow } from '../surveys/tables.js'
import { MAX_TEXT_ANSWER } from './schemas.js'

// What templates/pages/survey.hbs shows for a survey's items: one fieldset each, in order, after
// the score. Items asked only for some scores are hidden by CSS (`:has()` on the score radios),
// so the page needs no script; the server enforces the same rule (src/respondent/items.ts).

/** What the respondent sent last time, by item key, and the items the server refused. */
export interface ItemFormState {
  values?: Record<string, string | string[]> | undefined
  invalid?: Set<string> | undefined
}

interface Choice { id: string, value: string, label: string, checked: boolean }

export interface ItemView {
  key: string
  id: string
  name: string
  legendId: string
  question: string
  /** The HTML `required` attribute: only on items always shown, so a hidden one never blocks the form. */
  requiredAttr: boolean
  requiredNote?: string | undefined
  hint?: string | undefined
  error?: string | undefined
  describedBy: string
  /** The first control, for the error summary's link. */
  firstId: string
  radios?: Choice[] | undefined
  scale?: { options: Choice[], low: string, high: string } | undefined
  checkboxes?: Choice[] | undefined
  text?: { value: string, max: number } | undefined
}

export interface ItemsView {
  items: ItemView[]
  /** One CSS rule per item asked only for some scores: hide it unless one of them is chosen. */
  conditional: Array<{ key: string, scores: number[] }>
  errors: Array<{ field: string, message: string }>
}

const chosen = (value: string | string[] | undefined, option: string): boolean =>
  Array.isArray(value) ? value.includes(option) : value === option

function errorFor (item: Item, value: string | string[] | undefined, locale: Locale): string {
  const t = ITEM_MESSAGES[locale]
  switch (item.type) {
    case 'multi_choice': return t.chooseSome
    case 'text':
      return typeof value === 'string' && value.trim().length > MAX_TEXT_ANSWER
        ? t.textTooLong(MAX_TEXT_ANSWER)
        : t.answerText
    default: return t.chooseOne
  }
}

export function itemsView (survey: SurveyRow, locale: Locale, state: ItemFormState = {}): ItemsView {
  const t = ITEM_MESSAGES[locale]
  const scale = SCALES[survey.metric]
  const views: ItemView[] = []
  const conditional: ItemsView['conditional'] = []
  const errors: ItemsView['errors'] = []
  for (const stored of survey.items) {
    if (stored.retired) continue
    const item = toItem(stored, survey.defaultLocale)
    const id = `item-${item.key}`
    const value = state.values?.[item.key]
    const choice = (option: string, label: string): Choice =>
      ({ id: `${id}-${option}`, value: option, label, checked: chosen(value, option) })
    const view: ItemView = {
      key: item.key,
      id,
      name: `items.${item.key}`,
      legendId: `${id}-legend`,
      question: item.question[locale],
      requiredAttr: item.required && item.show_if === null,
      requiredNote: item.required ? t.required : undefined,
      describedBy: '',
      firstId: ''
    }
    switch (item.type) {
      case 'yes_no':
        view.radios = [choice('yes', t.yes), choice('no', t.no)]
        break
      case 'choice':
        view.radios = item.options!.map(o => choice(o.key, o.label[locale]))
        break
      case 'multi_choice':
        view.checkboxes = item.options!.map(o => choice(o.key, o.label[locale]))
        view.hint = t.chooseAny
        break
      case 'rating': {
        const options: Choice[] = []
        for (let v = RATING_SCALE.min; v <= RATING_SCALE.max; v++) options.push(choice(String(v), String(v)))
        view.scale = { options, low: t.ratingLow, high: t.ratingHigh }
        view.hint = MESSAGES[locale].scaleHint(RATING_SCALE.min, t.ratingLow, RATING_SCALE.max, t.ratingHigh)
        break
      }
      case 'text':
        view.text = { value: typeof value === 'string' ? value : '', max: MAX_TEXT_ANSWER }
        view.hint = MESSAGES[locale].commentLimit(MAX_TEXT_ANSWER)
        break
    }
    const controls = view.radios ?? view.checkboxes ?? view.scale?.options
    view.firstId = controls === undefined ? `${id}-text` : controls[0]!.id
    if (state.invalid?.has(item.key) === true) {
      view.error = errorFor(item, value, locale)
      errors.push({ field: view.firstId, message: `${item.question[locale]} – ${view.error}` })
    }
    view.describedBy = [view.hint === undefined ? '' : `${id}-hint`, view.error === undefined ? '' : `${id}-error`]
      .filter(s => s !== '').join(' ')
    if (item.show_if !== null) conditional.push({ key: item.key, scores: shownFor(item, scale) })
    views.push(view)
  }
  return { items: views, conditional, errors }
}
