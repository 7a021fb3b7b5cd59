// The CSV export's fields as pure functions: cells that spreadsheets cannot mistake for formulas.
// What a row may show is decided in csv.ts, on the same month cells as the results API.

/** Shown instead of attribute values whose cell the month does not show (docs/results.md: small groups folded). */
export const OTHER = '(other)'

// What spreadsheets of common locales split on: `,` (en), `;` (de, nb), tab, line breaks, and the quote.
const SEPARATOR = /[",;\t\r\n]/
// OWASP's list, plus leading spaces before one of them, which some spreadsheets skip; at the start
// of the field, and right after a separator in it, where a spreadsheet splitting on `;` starts a cell.
const FORMULA_START = /^(\s*[=+\-@]|[\t\r])/
const FORMULA_AFTER_SEPARATOR = /([",;\t\r\n])(?=\s*[=+\-@])/g

/**
 * One CSV field: text that could start a formula, at its start or after a separator inside it,
 * gets a `'` there; a field holding any common separator is quoted (RFC 4180).
 */
export function csvField (value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const text = (FORMULA_START.test(value) ? `'${value}` : value).replace(FORMULA_AFTER_SEPARATOR, "$1'")
  return SEPARATOR.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function csvLine (fields: ReadonlyArray<string | number | null>): string {
  return `${fields.map(csvField).join(',')}\r\n`
}

/** A day, or an ISO 8601 interval of days. */
export function dayLabel (from: string, to: string): string {
  return from === to ? from : `${from}/${to}`
}
