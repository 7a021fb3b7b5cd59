// JSON read from the database on every request and rarely changed (a survey's item definitions,
// read by every answer): parsed once per distinct text and kept, deeply frozen, so that readers
// share one value and none can change it for the others. Bounded: the oldest text goes first.

export const KEPT = 256
const kept = new Map<string, unknown>()

/** The value of a JSON text, parsed once and frozen. */
export function parseKept<T> (text: string): T {
  let value = kept.get(text)
  if (value === undefined) {
    value = deepFreeze(JSON.parse(text))
    if (kept.size >= KEPT) kept.delete(kept.keys().next().value!)
    kept.set(text, value)
  }
  return value as T
}

function deepFreeze (value: unknown): unknown {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
