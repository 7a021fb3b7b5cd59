import type { DbOrTx } from '../db/client.js'
import { coarsenToDay } from '../responses/coarsen.js'
import { getSurveyRow } from '../surveys/service.js'
import { type Combo, csvLine, dayLabel, label, planExport, timeCells } from './export.js'
import { blockOf, blocksWithin, releaseBlocks } from './periods.js'
import * as repo from './repository.js'
import { released } from './service.js'

const PAGE = 2000

export interface CsvExport {
  filename: string
  /** The file in chunks, read from the database as it is sent. */
  chunks: Iterable<string>
}

/**
 * GET /v1/surveys/:id/responses.csv: one row per released answer, with only what its class of
 * at least min_group_size rows shares (see export.ts). Rows come by time cell, then score, then
 * random id: never in the order answers arrived. Comments only where the row's class and the
 * comment's release block both reach min_comment_group_size.
 */
export function exportCsv (db: DbOrTx, surveyId: string, query: { from?: string | undefined, to?: string | undefined }, now: Date): CsvExport {
  const survey = getSurveyRow(db, surveyId)
  const today = coarsenToDay(now)
  const { blocks, period } = released(db, survey, today, query.from, query.to)
  const keys = period === null ? [] : repo.attributeKeys(db, survey.id)
  const filename = `${survey.id}-responses${period === null ? '' : `-${period.from}-${period.to}`}.csv`
  const byKey = new Map<string, Combo>()
  if (period !== null) {
    for (const c of repo.attributeCombos(db, survey.id, period, keys)) {
      const block = blockOf(blocks, c.day)
      const key = JSON.stringify([block, c.values])
      const combo = byKey.get(key)
      if (combo === undefined) byKey.set(key, { block, values: c.values, n: c.n })
      else combo.n += c.n
    }
  }
  const plan = period === null ? null : planExport(blocks, [...byKey.values()], keys.length, survey.minGroupSize)
  const header = csvLine(['score', 'comment', 'day', ...(plan?.columns ?? []).map(a => keys[a]!)])

  function * chunks (): Generator<string> {
    // A byte-order mark, so that spreadsheets read the file as UTF-8 (æ, ø, å, ü).
    yield `\uFEFF${header}`
    if (plan === null || period === null) return
    const commentBlocks = blocksWithin(releaseBlocks(repo.answeredDays(db, survey.id), survey.minCommentGroupSize, today).blocks, period.from, period.to)
    for (const cell of timeCells(blocks, plan.time)) {
      const day = dayLabel(cell.from, cell.to)
      let after: { score: number, id: string } | null = null
      for (;;) {
        const rows = repo.answersPage(db, survey.id, cell, after, PAGE)
        if (rows.length === 0) break
        let out = ''
        for (const row of rows) {
          const values = keys.map(k => row.attributes[k] ?? null)
          const commentShown = row.comment !== null &&
            plan.classSize(blockOf(blocks, row.day), values) >= survey.minCommentGroupSize &&
            blockOf(commentBlocks, row.day) >= 0
          out += csvLine([row.score, commentShown ? row.comment : null, day, ...plan.columns.map(a => label(plan.shown[a]!, values[a] ?? null))])
        }
        yield out
        const last = rows.at(-1)!
        after = { score: last.score, id: last.id }
      }
    }
  }
  return { filename, chunks: chunks() }
}
