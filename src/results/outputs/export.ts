// The CSV export's fields as pure functions: cells that spreadsheets cannot mistake for formulas.
// What a row may show is decided in csv.ts, on the same month cells as the results API.

/** Shown instead of attribute values whose cell the month does not show (docs/results.md: small groups folded). */
export const OTHER = '(other)'

// OWASP's list, plus leading spaces before one of them, which some spreadsheets skip.
const FORMULA_START = /^(\s*[=+\-@]|[\t\r])/

/** One CSV field: text that could start a formula gets a leading `'`, then RFC 4180 quoting. */
export function csvField (value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const text = FORMULA_START.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function csvLine (fields: ReadonlyArray<string | number | null>): string {
  return `${fields.map(csvField).join(',')}\r\n`
}

/** A day, or an ISO 8601 interval of days. */
export function dayLabel (from: string, to: string): string {
  return from === to ? from : `${from}/${to}`
}
