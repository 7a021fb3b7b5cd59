import type { DbOrTx } from '../../db/client.js'
import { coarsenToDay } from '../../responses/coarsen.js'
import { SCALES } from '../../surveys/defaults.js'
import { getSurveyRow } from '../../surveys/service.js'
import type { SurveyRow } from '../../surveys/tables.js'
import { type MonthCells, monthCells } from '../engine/attributes.js'
import { cellKey } from '../engine/cell-key.js'
import { isItemKey, itemOfKey } from '../engine/item-values.js'
import type { StoredItem } from '../../surveys/items.js'
import type { DecidedMonths } from '../engine/decided-months.js'
import {
  answeredItems, answersWithItemsPage, exportedItems, type ItemExportRow, itemClassShown, itemFields, itemHeader,
  itemKeys, restShown
} from './csv-items.js'
import { csvLine, dayLabel, OTHER } from './export.js'
import { monthsInPeriod, type ReleaseMonth, releaseMonths } from '../engine/months.js'
import { blockOf, blocksWithin, releaseBlocks } from '../engine/periods.js'
import * as repo from '../storage/repository.js'
import { released } from '../service.js'

const PAGE = 2000

/** A row's value of an attribute or of a groupable item (`item.<key>`), null without one. */
function valueOf (row: ItemExportRow, key: string): string | null {
  if (isItemKey(key)) {
    const v = row.items?.[itemOfKey(key)]
    return typeof v === 'string' ? v : null
  }
  return Object.hasOwn(row.attributes, key) ? row.attributes[key]! : null
}

export interface CsvExport {
  filename: string
  /** The file in chunks, read from the database as it is sent. */
  chunks: AsyncIterable<string>
}

/** A time cell of the export: a release block (no attributes) or a complete release month. */
interface TimeCell {
  from: string
  to: string
  n: number
  cells?: MonthCells
}

/**
 * Which attributes get a column: the export shows a row's values only where the month's lattice
 * over those attributes shows its cell (engine/attributes.ts), so with too many attributes (a case number)
 * almost every row would be (other). Attributes are dropped, the one with the most values first,
 * until at least half the rows show their values; with none left, there are no columns.
 */
async function chooseColumns (
  db: DbOrTx,
  kept: DecidedMonths,
  survey: SurveyRow,
  keys: readonly string[],
  months: readonly ReleaseMonth[]
): Promise<string[]> {
  const scale = SCALES[survey.metric]
  const total = months.reduce((a, m) => a + m.n, 0)
  const distinct = new Map(keys.map(k => [k, new Set<string | null>()]))
  for (const m of months) {
    const cells = await monthCells(db, kept, survey.id, keys, m, survey.minGroupSize, scale)
    for (const { values } of cells.combos.values()) {
      keys.forEach((k, i) => distinct.get(k)!.add(values[i]!))
    }
  }
  const dropOrder = [...keys].sort((a, b) => distinct.get(b)!.size - distinct.get(a)!.size || (a < b ? -1 : 1))
  for (let dropped = 0; dropped < keys.length; dropped++) {
    const columns = keys.filter(k => !dropOrder.slice(0, dropped).includes(k))
    let shown = 0
    for (const m of months) {
      const cells = await monthCells(db, kept, survey.id, columns, m, survey.minGroupSize, scale)
      for (const { values, counts } of cells.combos.values()) {
        if (cells.cells.get(cellKey(values))?.reason === null) shown += counts.dist.reduce((a, b) => a + b, 0)
      }
    }
    if (shown * 2 >= total) return columns
  }
  return []
}

/**
 * GET /v1/surveys/:id/responses.csv: one row per released answer. Without attributes, the time of
 * a row is its release block (whole-survey numbers, public anyway). With attributes it is the
 * complete release month (as questions about attributes count them, months.ts), and a row shows
 * its attribute values only where the month's lattice over the exported attributes shows that
 * cell; every other row of the month shows (other) in every column. So every class of rows the
 * file holds (a shown cell, or a month's rest: its total minus shown cells) is something the
 * results API shows or could add up from what it shows. Rows come by time cell, then score, then
 * random id: never in the order answers arrived. Comments only where the row's class and the
 * comment's release block both reach min_comment_group_size.
 */
export async function exportCsv (
  db: DbOrTx,
  kept: DecidedMonths,
  surveyId: string,
  query: { from?: string | undefined; to?: string | undefined },
  now: Date
): Promise<CsvExport> {
  const survey = await getSurveyRow(db, surveyId)
  const today = coarsenToDay(now)
  // Item results count complete months (docs/results.md, "Items"): a survey with item answers
  // exports as one with attributes, by complete release month, with its yes/no and choice items
  // as classes beside the attributes.
  const answered = await answeredItems(db, survey.id)
  const items = answered.size === 0 ? [] : exportedItems(survey.items, answered)
  const keys = [...await repo.attributeKeys(db, survey.id), ...itemKeys(items)].sort()
  let timeCells: TimeCell[]
  let columns: string[] = []
  if (keys.length === 0 && items.length === 0) {
    const { blocks } = await released(db, survey, today, query.from, query.to)
    timeCells = blocks.map(b => ({ from: b.from, to: b.to, n: b.n }))
  } else {
    const months = monthsInPeriod(
      releaseMonths(releaseBlocks(await repo.answeredDays(db, survey.id), survey.minGroupSize, today), today),
      query.from,
      query.to
    )
    columns = await chooseColumns(db, kept, survey, keys, months)
    const scale = SCALES[survey.metric]
    timeCells = []
    for (const m of months) {
      const cells = await monthCells(db, kept, survey.id, columns, m, survey.minGroupSize, scale)
      timeCells.push({ from: m.from, to: m.to, n: m.n, cells })
    }
  }
  const total = timeCells.reduce((a, c) => a + c.n, 0)
  const period = timeCells.length === 0 ? null : { from: timeCells[0]!.from, to: timeCells.at(-1)!.to }
  const filename = `${survey.id}-responses${period === null ? '' : `-${period.from}-${period.to}`}.csv`
  const empty = period === null || total < survey.minGroupSize
  const attributeColumns = columns.filter(k => !isItemKey(k))
  const header = csvLine(['score', 'comment', 'day', ...(empty ? [] : [...attributeColumns, ...itemHeader(items)])])

  async function * chunks (): AsyncGenerator<string> {
    // A byte-order mark, so that spreadsheets read the file as UTF-8 (æ, ø, å, ü).
    yield `\uFEFF${header}`
    if (empty) return
    const comments = releaseBlocks(await repo.commentedDays(db, survey.id), survey.minCommentGroupSize, today)
    const commentBlocks = blocksWithin(comments.blocks, period.from, period.to)
    for (const cell of timeCells) {
      const day = dayLabel(cell.from, cell.to)
      // The people of the month's rest (the rows whose cell the month does not show): comments
      // need that many people in their class, not answers (docs/anonymity.md).
      let restPeople = cell.n
      let restItems = new Set<string>()
      if (cell.cells !== undefined) {
        const cells = cell.cells
        restPeople = cells.cells.get(cellKey(columns.map(() => undefined)))?.people ?? 0
        const shownCells: Array<Array<string | null>> = []
        for (const { values } of cells.combos.values()) {
          const shown = cells.cells.get(cellKey(values))
          if (shown?.reason === null && itemClassShown(cells, columns, values)) {
            restPeople -= shown.people
            shownCells.push(values)
          }
        }
        restItems = restShown(cells, columns, items, shownCells)
      }
      let after: { score: number; id: string } | null = null
      for (;;) {
        const rows = await answersWithItemsPage(db, survey.id, cell, after, PAGE)
        if (rows.length === 0) break
        let out = ''
        for (const row of rows) {
          // Own keys only: a row without `constructor` must not show Object's (docs/anonymity.md).
          const values = columns.map(k => valueOf(row, k))
          const shown = cell.cells?.cells.get(cellKey(values))
          const visible = cell.cells === undefined ||
            (shown?.reason === null && itemClassShown(cell.cells, columns, values))
          const itemShown = (item: StoredItem): boolean => visible
            ? cell.cells?.items.get(item.key)?.get(cellKey(values))?.reason === null
            : restItems.has(item.key)
          // Whole-survey blocks: their comments are released in blocks of people anyway.
          const classSize = cell.cells === undefined ? cell.n : visible ? shown!.people : restPeople
          const commentShown =
            row.comment !== null && classSize >= survey.minCommentGroupSize && blockOf(commentBlocks, row.day) >= 0
          out += csvLine([
            row.score,
            commentShown ? row.comment : null,
            day,
            ...values.flatMap((v, k) => isItemKey(columns[k]!) ? [] : [visible ? (v ?? '') : OTHER]),
            ...itemFields(items, row.items, itemShown, item => {
              const k = columns.indexOf(`item.${item.key}`)
              return k >= 0 && visible ? (values[k] ?? '') : OTHER
            })
          ])
        }
        yield out
        const last = rows.at(-1)!
        after = { score: last.score, id: last.id }
      }
    }
  }
  return { filename, chunks: chunks() }
}
