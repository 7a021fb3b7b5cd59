import type { Answer } from '../helpers/seed.js'

// Survey items and answers to them for the item results tests (items.test.ts, attacker-items.test.ts).

export const ITEMS = [
  { key: 'fcr', type: 'yes_no', question: { en: 'Solved first time?' } },
  { key: 'speed', type: 'rating', question: { en: 'Speed' } },
  {
    key: 'reason',
    type: 'choice',
    question: { en: 'Why?' },
    options: [{ key: 'wait', label: { en: 'Waiting' } }, { key: 'twice', label: { en: 'Twice' } },
      { key: 'other', label: { en: 'Other' } }]
  },
  {
    key: 'drivers',
    type: 'multi_choice',
    question: { en: 'What mattered?' },
    options: [{ key: 'kind', label: { en: 'Kind' } }, { key: 'fast', label: { en: 'Fast' } },
      { key: 'clear', label: { en: 'Clear' } }]
  },
  { key: 'note', type: 'text', question: { en: 'Anything else?' } }
]

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
export function random (seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

/** Answers with items, some left out, over January to March and a few in April. */
export function itemDataset (seed: number, perDay = 5): Answer[] {
  const rnd = random(seed)
  const out: Answer[] = []
  for (const month of ['01', '02', '03', '04']) {
    for (const d of month === '04' ? [3, 9] : [2, 6, 10, 15, 21, 27]) {
      const day = `2026-${month}-${String(d).padStart(2, '0')}`
      const count = Math.floor(rnd() * perDay)
      for (let i = 0; i < count; i++) {
        const attributes: Record<string, string> = { agent: rnd() < 0.6 ? 'a' : 'b' }
        const items: Record<string, string | number | string[]> = {}
        if (rnd() < 0.85) items.fcr = rnd() < 0.7 ? 'yes' : 'no'
        if (rnd() < 0.7) items.speed = 1 + Math.floor(rnd() * 5)
        if (rnd() < 0.5) items.reason = ['wait', 'twice', 'other'][Math.floor(rnd() * 3)]!
        if (rnd() < 0.6) items.drivers = ['kind', 'fast', 'clear'].filter(() => rnd() < 0.5)
        if ((items.drivers as string[] | undefined)?.length === 0) delete items.drivers
        if (rnd() < 0.3) items.note = 'text'
        out.push({ score: 1 + Math.floor(rnd() * 5), day, attributes, items })
      }
    }
  }
  return out
}

export type Slice = Record<string, string | null>

/** An answer's value of an attribute or of an `item.<key>`, null without one. */
export function valueOf (a: Answer, key: string): string | null {
  if (key.startsWith('item.')) {
    const v = a.items?.[key.slice(5)]
    return typeof v === 'string' ? v : null
  }
  return a.attributes?.[key] ?? null
}

export const matches = (a: Answer, slice: Slice): boolean =>
  Object.entries(slice).every(([k, v]) => valueOf(a, k) === v)
