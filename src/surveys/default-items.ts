import type { Locale } from '../schemas.js'
import type { Metric, SurveyKind } from './defaults.js'
import type { ItemType, StoredItem } from './items.js'

// The items a new survey asks when it names none (docs/api.md, "Items"), and the built-in texts
// of their keys in every locale. A survey stores them without texts, so that a better built-in
// translation reaches every survey that did not word the item itself.

interface BuiltIn {
  type: ItemType
  question: Record<Locale, string>
  options?: Record<string, Record<Locale, string>>
}

export const BUILT_IN_ITEMS: Record<string, BuiltIn> = {
  fcr: {
    type: 'yes_no',
    question: {
      en: 'Was your issue solved the first time you contacted us?',
      de: 'Wurde Ihr Anliegen gleich beim ersten Kontakt gelöst?',
      nb: 'Ble saken din løst første gang du kontaktet oss?'
    }
  },
  reasons: {
    type: 'multi_choice',
    question: {
      en: 'What went wrong?',
      de: 'Was lief nicht gut?',
      nb: 'Hva gikk galt?'
    },
    options: {
      waiting: { en: 'Waiting time', de: 'Wartezeit', nb: 'Ventetid' },
      repeat: {
        en: 'I had to explain my issue more than once',
        de: 'Ich musste mein Anliegen mehrmals erklären',
        nb: 'Jeg måtte forklare saken min flere ganger'
      },
      not_solved: {
        en: 'My issue was not solved',
        de: 'Mein Anliegen wurde nicht gelöst',
        nb: 'Saken min ble ikke løst'
      },
      unfriendly: { en: 'Unfriendly treatment', de: 'Unfreundliche Behandlung', nb: 'Uvennlig behandling' },
      other: { en: 'Something else', de: 'Etwas anderes', nb: 'Noe annet' }
    }
  },
  found: {
    type: 'yes_no',
    question: {
      en: 'Did you find what you needed?',
      de: 'Haben Sie gefunden, was Sie gesucht haben?',
      nb: 'Fant du det du trengte?'
    }
  },
  competence: {
    type: 'rating',
    question: {
      en: 'How competent was the help you received?',
      de: 'Wie kompetent war die Unterstützung, die Sie erhalten haben?',
      nb: 'Hvor kompetent var hjelpen du fikk?'
    }
  },
  speed: {
    type: 'rating',
    question: {
      en: 'How quickly were your requests handled?',
      de: 'Wie schnell wurden Ihre Anliegen bearbeitet?',
      nb: 'Hvor raskt ble sakene dine behandlet?'
    }
  },
  information: {
    type: 'rating',
    question: {
      en: 'How well were you kept informed?',
      de: 'Wie gut wurden Sie auf dem Laufenden gehalten?',
      nb: 'Hvor godt ble du holdt orientert?'
    }
  }
}

/** The built-in texts of an item's key, if it has them for the item's type. */
export function builtInItem (key: string, type: ItemType): BuiltIn | undefined {
  const builtIn = BUILT_IN_ITEMS[key]
  return builtIn?.type === type ? builtIn : undefined
}

/** The highest score that counts as low: where a survey asks what went wrong. */
export const LOW_SCORE: Record<Metric, number> = { csat: 3, nps: 6, ces: 4 }

const item = (key: string, show: StoredItem['show_if'] = null): StoredItem => {
  const builtIn = BUILT_IN_ITEMS[key]!
  return {
    key,
    type: builtIn.type,
    question: {},
    required: false,
    ...(builtIn.options === undefined
      ? {}
      : { options: Object.keys(builtIn.options).map(o => ({ key: o, label: {} })) }),
    show_if: show,
    retired: false
  }
}

/**
 * post_case asks whether the case was solved at first contact and, after a low score, why;
 * relationship asks about three drivers of the score; self_service whether the person found what
 * they came for. All optional: the score alone stays a complete answer.
 */
export function defaultItems (kind: SurveyKind, metric: Metric): StoredItem[] {
  switch (kind) {
    case 'post_case': return [item('fcr'), item('reasons', { score_at_most: LOW_SCORE[metric] })]
    case 'relationship': return [item('competence'), item('speed'), item('information')]
    case 'self_service': return [item('found')]
  }
}
