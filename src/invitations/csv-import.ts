import type { Readable } from 'node:stream'
import { parse } from 'csv-parse'
import type { DbHandle } from '../db/client.js'
import { AppError } from '../errors.js'
import { LOCALES, type Locale } from '../schemas.js'
import { getSurveyRow } from '../surveys/service.js'
import type { SurveyRow } from '../surveys/tables.js'
import {
  AttributeKeySchema,
  InvitationInputSchema,
  MAX_ATTRIBUTES,
  OUTCOMES,
  type InvitationInput,
  type Outcome
} from './schemas.js'
import { assertOpenSurvey, inviteMany, summarise, type InviteContext } from './service.js'

/** Rows per transaction: a crash loses at most one chunk's work, and memory stays flat. */
export const CHUNK_ROWS = 500

export const IMPORT_STATUSES = [...OUTCOMES, 'invalid'] as const
export type ImportCounts = Record<(typeof IMPORT_STATUSES)[number], number>

export interface ImportHooks {
  /** A skipped row, as `line N: <field>: <message>`. */
  invalid: (message: string) => void
  /** A row that was invited, with a note about how (an unknown locale). */
  warning: (message: string) => void
  /** After every data row: rows read so far, and bytes of the file parsed so far. */
  progress: (rows: number, bytes: number) => void
}

export interface ImportResult {
  rows: number
  counts: ImportCounts
}

/** The file or survey cannot be imported at all (as opposed to one bad row, which is skipped). */
export class ImportError extends AppError {
  constructor (
    detail: string,
    readonly partial?: ImportResult
  ) {
    super(422, 'import_refused', 'Unprocessable Content', detail)
  }
}

interface Header {
  email: number
  locale: number | undefined
  attributes: Array<[name: string, index: number]>
  width: number
}

// `email` and `locale` are matched in any case (a spreadsheet may say "Email"); every other
// column is an attribute, named as written, under the API's rules for attribute names.
function readHeader (fields: string[]): Header {
  const seen = new Set<string>()
  const header: Partial<Header> & { attributes: Header['attributes'] } = { attributes: [], width: fields.length }
  fields.forEach((raw, index) => {
    const name = raw.trim()
    const key = name.toLowerCase()
    if (name === '') throw new ImportError(`header row: column ${index + 1} has no name`)
    if (seen.has(key)) throw new ImportError(`header row: column "${name}" appears twice`)
    seen.add(key)
    if (key === 'email') header.email = index
    else if (key === 'locale') header.locale = index
    else {
      const valid = AttributeKeySchema.safeParse(name)
      if (!valid.success) {
        throw new ImportError(`header row: column "${name}": an attribute name ${valid.error.issues[0]!.message}`)
      }
      header.attributes.push([name, index])
    }
  })
  if (header.email === undefined) {
    throw new ImportError(
      `header row: no "email" column (found ${fields.map(f => `"${f}"`).join(', ')}); ` +
        'the first row must name the columns: email, locale, then attributes'
    )
  }
  if (header.attributes.length > MAX_ATTRIBUTES) {
    throw new ImportError(`header row: ${header.attributes.length} attribute columns; at most ${MAX_ATTRIBUTES}`)
  }
  return header as Header
}

/** The locale a cell names (`de`, `DE`, `de-CH`, `nb_NO`), or undefined if it names none of ours. */
function localeOf (cell: string): Locale | undefined {
  const primary = cell.trim().toLowerCase().split(/[-_]/)[0]
  return (LOCALES as readonly string[]).includes(primary ?? '') ? (primary as Locale) : undefined
}

type RowOutcome = { input: InvitationInput; warning?: string } | { errors: string[] }

/** One data row, judged by the same zod rules as `POST /v1/surveys/:id/invitations`. */
function readRow (header: Header, fields: string[]): RowOutcome {
  if (fields.length !== header.width) {
    return { errors: [`row: has ${fields.length} fields, the header has ${header.width}`] }
  }
  const email = fields[header.email]!.trim()
  const localeCell = header.locale === undefined ? '' : fields[header.locale]!.trim()
  const locale = localeOf(localeCell)
  // A blank cell is an attribute this person does not have, not an empty value.
  const attributes = Object.fromEntries(
    header.attributes.flatMap(([name, i]) => (fields[i]!.trim() === '' ? [] : [[name, fields[i]!]]))
  )
  const parsed = InvitationInputSchema.safeParse({
    channel: 'email',
    email: email === '' ? undefined : email,
    locale,
    attributes
  })
  if (!parsed.success) {
    // Named by column: `team`, not `attributes.team`.
    return {
      errors: parsed.error.issues.map(
        i => `${String(i.path[0] === 'attributes' ? (i.path[1] ?? 'attributes') : (i.path[0] ?? 'row'))}: ${i.message}`
      )
    }
  }
  // The cell is echoed only when it looks like a language tag: a shifted column could hold an address.
  const shown = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/.test(localeCell) ? `"${localeCell}" ` : ''
  const warning =
    localeCell !== '' && locale === undefined
      ? `locale: ${shown}is not one of ${LOCALES.join(', ')}; the survey's default language is used`
      : undefined
  return warning === undefined ? { input: parsed.data } : { input: parsed.data, warning }
}

/** The survey a file may be imported into: open, and of the kind that asks each person once. */
export async function importTarget (store: DbHandle, surveyId: string): Promise<SurveyRow> {
  const survey = await getSurveyRow(store.db, surveyId)
  assertOpenSurvey(survey)
  if (survey.kind !== 'relationship') {
    throw new ImportError(
      `survey ${survey.id} is a ${survey.kind} survey; a file of invitations is for relationship surveys, ` +
        'which ask each person once (post_case surveys invite per case through the API or the case-closed hook)'
    )
  }
  return survey
}

/**
 * Invites everyone listed in a CSV file (header row `email,locale,<attribute>,…`) to a relationship
 * survey, streaming: rows are parsed as they are read and invited CHUNK_ROWS at a time, each chunk
 * in its own transaction through `inviteMany`, the API's own rules. So a file of any length needs
 * the memory of one chunk, and a re-run invites nobody twice: relationship surveys answer
 * `duplicate` for a person (by keyed hash of the address) invited before, as a batch does.
 * Invalid rows are reported with their line number and skipped; a file that cannot be parsed
 * stops at that line (chunks before it stay invited, so fixing the file and re-running is safe).
 */
export async function importInvitations (
  store: DbHandle,
  ctx: InviteContext,
  surveyId: string,
  input: Readable,
  hooks: ImportHooks
): Promise<ImportResult> {
  await importTarget(store, surveyId)
  const counts = Object.fromEntries(IMPORT_STATUSES.map(s => [s, 0])) as ImportCounts
  let rows = 0
  let chunk: InvitationInput[] = []
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return
    const inputs = chunk
    chunk = []
    const { counts: done } = await store.transaction(async tx => {
      // Read again per chunk: a survey closed during a long import stops it.
      const survey = await getSurveyRow(tx, surveyId)
      assertOpenSurvey(survey)
      return summarise(await inviteMany(tx, ctx, survey, inputs))
    })
    for (const status of OUTCOMES) counts[status as Outcome] += done[status]
  }

  const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true }))
  // pipe() does not pass on the source's errors (a failing disk): without this the loop would wait forever.
  input.once('error', err => parser.destroy(err))
  let header: Header | undefined
  // Where the last whole record ended: a broken one (an unclosed quote) starts after it.
  let lastLine = 0
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // info.lines is where the record ends; a quoted field may span lines, so count back to its start.
      const line = info.lines - record.reduce((n, field) => n + (field.match(/\n/g)?.length ?? 0), 0)
      lastLine = info.lines
      if (header === undefined) {
        header = readHeader(record)
        continue
      }
      rows++
      const row = readRow(header, record)
      if ('errors' in row) {
        counts.invalid++
        for (const error of row.errors) hooks.invalid(`line ${line}: ${error}`)
      } else {
        if (row.warning !== undefined) hooks.warning(`line ${line}: ${row.warning}`)
        chunk.push(row.input)
        if (chunk.length >= CHUNK_ROWS) await flush()
      }
      hooks.progress(rows, parser.info.bytes)
    }
  } catch (err) {
    if (err instanceof AppError) throw err
    const { code, message } = err as { code?: unknown; message: string }
    if (typeof code !== 'string' || !code.startsWith('CSV_')) throw err
    // Every row before the broken one is invited, as the summary then says.
    await flush()
    throw new ImportError(
      `the file is not valid CSV after line ${lastLine}: ${message}; the rows before it were imported`,
      { rows, counts }
    )
  }
  await flush()
  if (header === undefined) {
    throw new ImportError('the file is empty; the first row must name the columns: email, locale, then attributes')
  }
  hooks.progress(rows, parser.info.bytes)
  return { rows, counts }
}
