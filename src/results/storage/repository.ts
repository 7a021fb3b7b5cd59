import { and, asc, between, desc, eq, gt, isNotNull, ne, or, sql, type SQL } from 'drizzle-orm'
import { clientsPerDay } from '../../collectors/clients.js'
import type { DbOrTx } from '../../db/client.js'
import { byteOrder, tables, valuesOf, type Tables } from '../../db/dialect.js'
import type { SurveyRow } from '../../surveys/tables.js'
import { byCodePoint, comboOf, parseCombo } from '../engine/cell-key.js'
import type { ItemCountRow } from '../engine/item-cells.js'
import { countedValues, groupValues, isItemKey, type ItemDefinitions } from '../engine/item-values.js'
import type { DayCount } from '../engine/periods.js'
import type { ShareLinkRow } from './tables.js'

// Every query results need. Whole-survey questions read response_counts (per day and score),
// questions about attributes read response_combos (per day, combination and score); neither
// touches the answers themselves. The export and comments read answers.
// Row order: every read whose order reaches a decision or a reader orders by the key, text in byte
// order (byteOrder), so both stores give the same rows in the same order (docs/postgres.md).

export interface Period { from: string, to: string }
export interface DayScoreCount { day: string, score: number, n: number, invited: number }

/**
 * Answers per day, today included, ascending, with those through invitations and the distinct
 * clients of those through collectors: what release blocks are cut from (periods.ts).
 */
export async function answeredDays (db: DbOrTx, surveyId: string): Promise<DayCount[]> {
  const clients = await clientsPerDay(db, surveyId, 'answer')
  const { responseCounts: rc } = tables(db)
  const rows = await db.select({ day: rc.day, n: sql<number>`sum(${rc.n})`, invited: sql<number>`sum(${rc.invited})` })
    .from(rc).where(eq(rc.surveyId, surveyId)).groupBy(rc.day).orderBy(rc.day)
  return rows.map(r => [r.day, r.n, r.invited, clients.get(r.day) ?? 0])
}

/**
 * Comments per day in the same form: all, through invitations, and the distinct clients who
 * commented through collectors. Comments are released in blocks cut from these (docs/anonymity.md).
 */
export async function commentedDays (db: DbOrTx, surveyId: string): Promise<DayCount[]> {
  const clients = await clientsPerDay(db, surveyId, 'comment')
  const { responseCounts: rc } = tables(db)
  const sums = { day: rc.day, n: sql<number>`sum(${rc.comments})`, invited: sql<number>`sum(${rc.invitedComments})` }
  const rows = await db.select(sums).from(rc)
    .where(eq(rc.surveyId, surveyId))
    .groupBy(rc.day).orderBy(rc.day)
  return rows.map(r => [r.day, r.n, r.invited, clients.get(r.day) ?? 0])
}

const allAnswers = (rc: Tables['responseCounts'], surveyId: string, period: Period): SQL | undefined =>
  and(eq(rc.surveyId, surveyId), between(rc.day, period.from, period.to))

/** Rollup rows of all answers in the period, per day and score. */
export async function countsByDay (db: DbOrTx, surveyId: string, period: Period): Promise<DayScoreCount[]> {
  const { responseCounts: rc } = tables(db)
  return await db.select({ day: rc.day, score: rc.score, n: rc.n, invited: rc.invited }).from(rc)
    .where(allAnswers(rc, surveyId, period)).orderBy(rc.day, rc.score)
}

/** The same, added up per score over the period (a dozen rows instead of days × scores). */
export async function countsByScore (
  db: DbOrTx, surveyId: string, period: Period
): Promise<Array<{ score: number, n: number, invited: number }>> {
  const { responseCounts: rc } = tables(db)
  return await db.select({ score: rc.score, n: sql<number>`sum(${rc.n})`, invited: sql<number>`sum(${rc.invited})` })
    .from(rc).where(allAnswers(rc, surveyId, period)).groupBy(rc.score).orderBy(rc.score)
}

const inSurveyPeriod = (responses: Tables['responses'], surveyId: string, period: Period): SQL | undefined =>
  and(eq(responses.surveyId, surveyId), between(responses.day, period.from, period.to))

/**
 * Answers per day and combination (attributes and item values, engine/item-values.ts), of the days
 * from `from` to `to` (one range of the key), with the people they come from: answers through
 * invitations plus distinct collector clients (docs/anonymity.md, padding). Clients are known per
 * day and combination of attributes only, so a combination with item values gets
 *  - `people`: a share of them (all of its attributes' combinations together get them all: exact
 *    for cells that fix no item value), and
 *  - `floor`: as many as it holds at least (the clients, less the collector answers outside it:
 *    a lower bound that also holds for any sum of such combinations), for cells that fix one.
 */
export async function comboDays (db: DbOrTx, surveyId: string, from: string, to: string): Promise<ComboDay[]> {
  const c = tables(db).responseCombos
  const clients = await clientsPerDay(db, surveyId, 'cell', { from, to })
  // In key order: the lattice numbers its cells in the order of these rows (engine/lattice.ts).
  const rows = await valuesOf<[string, string, number, number]>(
    db.select({ day: c.day, combo: c.combo, n: c.n, invited: c.invited }).from(c)
      .where(and(eq(c.surveyId, surveyId), between(c.day, from, to))).orderBy(c.day, byteOrder(db, c.combo)))
  const ofAttributes = new Map<string, { clients: number, collector: number }>()
  const keys = rows.map(([day, combo, n, invited]) => {
    if (n === invited) return ''
    const key = `${day} ${comboOf(attributesOnly(parseCombo(combo)))}`
    let a = ofAttributes.get(key)
    if (a === undefined) ofAttributes.set(key, a = { clients: clients.get(key) ?? 0, collector: 0 })
    a.collector += n - invited
    return key
  })
  const left = new Map([...ofAttributes].map(([k, a]) => [k, a.clients]))
  // As arrays: at a million answers a month holds thousands of rows, and arrays cost less to make than objects.
  return rows.map(([day, combo, n, invited], i): ComboDay => {
    if (n === invited) return [day, combo, n, n, n, invited]
    const a = ofAttributes.get(keys[i]!)!
    const share = Math.min(n - invited, left.get(keys[i]!)!)
    left.set(keys[i]!, left.get(keys[i]!)! - share)
    const floor = Math.max(0, a.clients - (a.collector - (n - invited)))
    return [day, combo, n, invited + share, invited + floor, invited]
  })
}

export type ComboDay = [day: string, combo: string, n: number, people: number, floor: number, invited: number]

const attributesOnly = (combo: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(combo).filter(([k]) => !isItemKey(k)))

export type ComboScore = [combo: string, score: number, n: number, invited: number]

/** Answers per combination of attributes and score in one calendar month (YYYY-MM): one range of the key. */
export async function comboScores (db: DbOrTx, surveyId: string, month: string): Promise<ComboScore[]> {
  const c = tables(db).responseComboScores
  return await valuesOf<ComboScore>(db.select({ combo: c.combo, score: c.score, n: c.n, invited: c.invited }).from(c)
    .where(and(eq(c.surveyId, surveyId), eq(c.month, month))).orderBy(byteOrder(db, c.combo), c.score))
}

/**
 * The same, counted from the answers of a few days, with their item values as the answer path
 * counts them (engine/item-values.ts); in the order of comboScores, whatever order the store
 * groups in (a combination may come more than once: the store keeps the answers' own spelling).
 */
export async function answerScores (
  db: DbOrTx, surveyId: string, period: Period, items: ItemDefinitions = []
): Promise<ComboScore[]> {
  const { responses } = tables(db)
  const rows = await db.select({
    combo: sql<string>`${responses.attributes}`,
    items: sql<string | null>`${responses.items}`,
    score: responses.score,
    n: sql<number>`count(*)`,
    invited: sql<number>`sum(case when ${responses.channel} <> 'collector' then 1 else 0 end)`
  }).from(responses).where(inSurveyPeriod(responses, surveyId, period))
    .groupBy(responses.attributes, responses.items, responses.score)
  const out = rows.map((r): ComboScore => [
    comboOf({ ...parseCombo(r.combo), ...(r.items === null ? {} : groupValues(items, JSON.parse(r.items))) }),
    r.score, r.n, r.invited
  ])
  return out.sort((a, b) => byCodePoint(a[0], b[0]) || a[1] - b[1])
}

/** Item answers per combination, item and value in one calendar month (YYYY-MM): one range of the key. */
export async function itemCounts (db: DbOrTx, surveyId: string, month: string): Promise<ItemCountRow[]> {
  const c = tables(db).responseItemCounts
  return await valuesOf<ItemCountRow>(
    db.select({ combo: c.combo, item: c.item, value: c.value, n: c.n, invited: c.invited }).from(c)
      .where(and(eq(c.surveyId, surveyId), eq(c.month, month)))
      .orderBy(byteOrder(db, c.combo), byteOrder(db, c.item), byteOrder(db, c.value)))
}

/** The same, counted from the answers of a few days, as the answer path counts them. */
export async function answerItemCounts (
  db: DbOrTx, surveyId: string, period: Period, items: ItemDefinitions
): Promise<ItemCountRow[]> {
  const { responses } = tables(db)
  const rows = await db.select({ channel: responses.channel, attributes: responses.attributes, items: responses.items })
    .from(responses).where(and(inSurveyPeriod(responses, surveyId, period), isNotNull(responses.items)))
    .orderBy(responses.day, byteOrder(db, responses.id))
  const out: ItemCountRow[] = []
  for (const r of rows) {
    const combo = comboOf({ ...r.attributes, ...groupValues(items, r.items) })
    for (const [item, value] of countedValues(items, r.items)) {
      out.push([combo, item, value, 1, r.channel === 'collector' ? 0 : 1])
    }
  }
  return out
}

/** A survey's item definitions (type and key), retired ones included. */
export async function itemDefinitions (db: DbOrTx, surveyId: string): Promise<ItemDefinitions> {
  const { surveys } = tables(db)
  const [row] = await db.select({ items: surveys.items }).from(surveys).where(eq(surveys.id, surveyId))
  return row?.items ?? []
}

/** Answers per combination of attributes over the survey's whole history. */
async function comboTotals (
  db: DbOrTx, surveyId: string
): Promise<Array<{ attributes: Record<string, string>, n: number }>> {
  const { responseCombos } = tables(db)
  const rows = await db.select({ combo: responseCombos.combo, n: sql<number>`sum(${responseCombos.n})` })
    .from(responseCombos).where(eq(responseCombos.surveyId, surveyId)).groupBy(responseCombos.combo)
  return rows.map(r => ({ attributes: parseCombo(r.combo), n: r.n }))
}

/**
 * Invitations delivered per day in the period: the response-rate denominator (docs/results.md). Those
 * retention deleted are counted in delivered_counts (src/retention/repository.ts).
 */
export async function deliveredByDay (db: DbOrTx, surveyId: string, period: Period): Promise<Array<[string, number]>> {
  const { deliveredCounts, invitations } = tables(db)
  const live = await db.select({ day: invitations.deliveredOn, n: sql<number>`count(*)` }).from(invitations)
    .where(and(eq(invitations.surveyId, surveyId), between(invitations.deliveredOn, period.from, period.to)))
    .groupBy(invitations.deliveredOn)
  const purged = await db.select({ day: deliveredCounts.day, n: deliveredCounts.n }).from(deliveredCounts)
    .where(and(eq(deliveredCounts.surveyId, surveyId), between(deliveredCounts.day, period.from, period.to)))
  const byDay = new Map<string, number>()
  for (const { day, n } of [...live, ...purged]) byDay.set(day!, (byDay.get(day!) ?? 0) + n)
  // Days are YYYY-MM-DD: as text they sort as dates.
  return [...byDay].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Comments of the period, at most `limit`, in random-id order (they carry no time of their own). */
export async function commentsIn (db: DbOrTx, surveyId: string, period: Period, limit: number): Promise<string[]> {
  const { responses } = tables(db)
  const rows = await db.select({ comment: responses.comment }).from(responses)
    .where(and(inSurveyPeriod(responses, surveyId, period), isNotNull(responses.comment), ne(responses.comment, '')))
    .orderBy(byteOrder(db, responses.id)).limit(limit)
  return rows.map(r => r.comment!)
}

/** The attribute names a survey's answers carry, from the rollup (item values are not attributes). */
export async function attributeKeys (db: DbOrTx, surveyId: string): Promise<string[]> {
  const keys = new Set<string>()
  for (const { attributes } of await comboTotals(db, surveyId)) {
    for (const k of Object.keys(attributes)) if (k !== '' && !isItemKey(k)) keys.add(k)
  }
  return [...keys].sort()
}

/** The attribute names a survey's answers carry, those most answers carry first (ties: alphabetical). */
export async function attributesByUse (db: DbOrTx, surveyId: string): Promise<string[]> {
  return (await keysByUse(db, surveyId)).attributes
}

/**
 * The attribute names and the `item.<key>` values the survey's answers carry, each most carried
 * first (ties: alphabetical): item values are carried by most answers, so they are ranked apart.
 */
export async function keysByUse (
  db: DbOrTx, surveyId: string
): Promise<{ attributes: string[], items: string[] }> {
  const carried = new Map<string, number>()
  for (const { attributes, n } of await comboTotals(db, surveyId)) {
    for (const k of Object.keys(attributes)) if (k !== '') carried.set(k, (carried.get(k) ?? 0) + n)
  }
  const ranked = [...carried].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([k]) => k)
  return { attributes: ranked.filter(k => !isItemKey(k)), items: ranked.filter(isItemKey) }
}

/** The attribute most answers carry (ties: alphabetical), or undefined. */
export async function mostCommonAttribute (db: DbOrTx, surveyId: string): Promise<string | undefined> {
  return (await attributesByUse(db, surveyId))[0]
}

/** The surveys whose answers carry attributes (one range of the rollup's key each). */
export async function surveysWithAttributes (db: DbOrTx): Promise<SurveyRow[]> {
  const { responseCombos, surveys } = tables(db)
  return await db.select().from(surveys)
    .where(sql`exists (select 1 from ${responseCombos}
      where ${responseCombos.surveyId} = ${surveys.id} and ${responseCombos.combo} <> '{}')`)
    .orderBy(byteOrder(db, surveys.id))
}

export async function countComments (db: DbOrTx, surveyId: string, period: Period): Promise<number> {
  const { responses } = tables(db)
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(responses)
    .where(and(inSurveyPeriod(responses, surveyId, period), isNotNull(responses.comment), ne(responses.comment, '')))
  return row?.n ?? 0
}

export interface ExportRow {
  id: string
  score: number
  comment: string | null
  day: string
  attributes: Record<string, string>
}

/** One page of the period's answers ordered by score and random id, after the given one. */
export async function answersPage (
  db: DbOrTx, surveyId: string, period: Period, after: { score: number, id: string } | null, limit: number
): Promise<ExportRow[]> {
  const { responses } = tables(db)
  const where = [inSurveyPeriod(responses, surveyId, period)]
  const byId = byteOrder(db, responses.id)
  if (after !== null) {
    where.push(or(gt(responses.score, after.score), and(eq(responses.score, after.score), gt(byId, after.id))))
  }
  const { id, score, comment, day, attributes } = responses
  return await db.select({ id, score, comment, day, attributes })
    .from(responses).where(and(...where)).orderBy(asc(responses.score), asc(byId)).limit(limit)
}

export async function surveysOf (db: DbOrTx, team: string, metric: SurveyRow['metric']): Promise<SurveyRow[]> {
  const { surveys } = tables(db)
  return await db.select().from(surveys).where(and(eq(surveys.team, team), eq(surveys.metric, metric)))
    .orderBy(asc(surveys.createdAt), asc(byteOrder(db, surveys.id)))
}

export async function insertShareLink (db: DbOrTx, row: Tables['shareLinks']['$inferInsert']): Promise<ShareLinkRow> {
  const { shareLinks } = tables(db)
  const [inserted] = await db.insert(shareLinks).values(row).returning()
  return inserted!
}

export async function findShareLinkByTokenHash (db: DbOrTx, tokenHash: string): Promise<ShareLinkRow | undefined> {
  const { shareLinks } = tables(db)
  const [row] = await db.select().from(shareLinks).where(eq(shareLinks.tokenHash, tokenHash))
  return row
}

export async function findShareLink (db: DbOrTx, id: string): Promise<ShareLinkRow | undefined> {
  const { shareLinks } = tables(db)
  const [row] = await db.select().from(shareLinks).where(eq(shareLinks.id, id))
  return row
}

export async function listShareLinks (db: DbOrTx, surveyId: string): Promise<ShareLinkRow[]> {
  const { shareLinks } = tables(db)
  return await db.select().from(shareLinks).where(eq(shareLinks.surveyId, surveyId))
    .orderBy(desc(shareLinks.createdAt), desc(byteOrder(db, shareLinks.id)))
}

export async function revokeShareLink (db: DbOrTx, id: string, at: Date): Promise<ShareLinkRow | undefined> {
  const { shareLinks } = tables(db)
  const [row] = await db.update(shareLinks).set({ revokedAt: at }).where(eq(shareLinks.id, id)).returning()
  return row
}
