import { and, asc, between, desc, eq, gt, isNotNull, ne, or, sql, type SQL } from 'drizzle-orm'
import { clientsPerDay } from '../../collectors/clients.js'
import type { DbOrTx } from '../../db/client.js'
import { deliveredCounts, invitations } from '../../invitations/tables.js'
import { responses } from '../../responses/tables.js'
import { surveys, type SurveyRow } from '../../surveys/tables.js'
import { comboOf, parseCombo } from '../engine/cell-key.js'
import type { ItemCountRow } from '../engine/item-cells.js'
import { countedValues, groupValues, isItemKey, type ItemDefinitions } from '../engine/item-values.js'
import type { DayCount } from '../engine/periods.js'
import {
  responseCombos, responseComboScores, responseCounts as rc, responseItemCounts, shareLinks, type ShareLinkRow
} from './tables.js'

// Every query results need. Whole-survey questions read response_counts (per day and score),
// questions about attributes read response_combos (per day, combination and score); neither
// touches the answers themselves. The export and comments read answers.

export interface Period { from: string, to: string }
export interface DayScoreCount { day: string, score: number, n: number, invited: number }

/**
 * Answers per day, today included, ascending, with those through invitations and the distinct
 * clients of those through collectors: what release blocks are cut from (periods.ts).
 */
export function answeredDays (db: DbOrTx, surveyId: string): DayCount[] {
  const clients = clientsPerDay(db, surveyId, 'answer')
  return db.select({ day: rc.day, n: sql<number>`sum(${rc.n})`, invited: sql<number>`sum(${rc.invited})` }).from(rc)
    .where(eq(rc.surveyId, surveyId))
    .groupBy(rc.day).orderBy(rc.day).all()
    .map(r => [r.day, r.n, r.invited, clients.get(r.day) ?? 0])
}

/**
 * Comments per day in the same form: all, through invitations, and the distinct clients who
 * commented through collectors. Comments are released in blocks cut from these (docs/anonymity.md).
 */
export function commentedDays (db: DbOrTx, surveyId: string): DayCount[] {
  const clients = clientsPerDay(db, surveyId, 'comment')
  const sums = { day: rc.day, n: sql<number>`sum(${rc.comments})`, invited: sql<number>`sum(${rc.invitedComments})` }
  return db.select(sums).from(rc)
    .where(eq(rc.surveyId, surveyId))
    .groupBy(rc.day).orderBy(rc.day).all()
    .map(r => [r.day, r.n, r.invited, clients.get(r.day) ?? 0])
}

const allAnswers = (surveyId: string, period: Period): SQL | undefined =>
  and(eq(rc.surveyId, surveyId), between(rc.day, period.from, period.to))

/** Rollup rows of all answers in the period, per day and score. */
export function countsByDay (db: DbOrTx, surveyId: string, period: Period): DayScoreCount[] {
  return db.select({ day: rc.day, score: rc.score, n: rc.n, invited: rc.invited }).from(rc)
    .where(allAnswers(surveyId, period)).all()
}

/** The same, added up per score over the period (a dozen rows instead of days × scores). */
export function countsByScore (
  db: DbOrTx, surveyId: string, period: Period
): Array<{ score: number, n: number, invited: number }> {
  return db.select({ score: rc.score, n: sql<number>`sum(${rc.n})`, invited: sql<number>`sum(${rc.invited})` }).from(rc)
    .where(allAnswers(surveyId, period)).groupBy(rc.score).all()
}

const inSurveyPeriod = (surveyId: string, period: Period): SQL | undefined =>
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
export function comboDays (db: DbOrTx, surveyId: string, from: string, to: string): ComboDay[] {
  const c = responseCombos
  const clients = clientsPerDay(db, surveyId, 'cell', { from, to })
  const rows = db.select({ day: c.day, combo: c.combo, n: c.n, invited: c.invited }).from(c)
    .where(and(eq(c.surveyId, surveyId), between(c.day, from, to))).values() as Array<[string, string, number, number]>
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
export function comboScores (db: DbOrTx, surveyId: string, month: string): ComboScore[] {
  const c = responseComboScores
  return db.select({ combo: c.combo, score: c.score, n: c.n, invited: c.invited }).from(c)
    .where(and(eq(c.surveyId, surveyId), eq(c.month, month))).values() as ComboScore[]
}

/**
 * The same, counted from the answers of a few days (`combo` as stored: its keys in any order),
 * with their item values as the answer path counts them (engine/item-values.ts).
 */
export function answerScores (db: DbOrTx, surveyId: string, period: Period, items: ItemDefinitions = []): ComboScore[] {
  const rows = db.select({
    combo: sql<string>`${responses.attributes}`,
    items: sql<string | null>`${responses.items}`,
    score: responses.score,
    n: sql<number>`count(*)`,
    invited: sql<number>`sum(${responses.channel} <> 'collector')`
  }).from(responses).where(inSurveyPeriod(surveyId, period))
    .groupBy(responses.attributes, responses.items, responses.score).all()
  return rows.map(r => [
    r.items === null ? r.combo : comboOf({ ...parseCombo(r.combo), ...groupValues(items, JSON.parse(r.items)) }),
    r.score, r.n, r.invited
  ])
}

/** Item answers per combination, item and value in one calendar month (YYYY-MM): one range of the key. */
export function itemCounts (db: DbOrTx, surveyId: string, month: string): ItemCountRow[] {
  const c = responseItemCounts
  return db.select({ combo: c.combo, item: c.item, value: c.value, n: c.n, invited: c.invited }).from(c)
    .where(and(eq(c.surveyId, surveyId), eq(c.month, month))).values() as ItemCountRow[]
}

/** The same, counted from the answers of a few days, as the answer path counts them. */
export function answerItemCounts (
  db: DbOrTx, surveyId: string, period: Period, items: ItemDefinitions
): ItemCountRow[] {
  const rows = db.select({ channel: responses.channel, attributes: responses.attributes, items: responses.items })
    .from(responses).where(and(inSurveyPeriod(surveyId, period), isNotNull(responses.items))).all()
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
export function itemDefinitions (db: DbOrTx, surveyId: string): ItemDefinitions {
  return db.select({ items: surveys.items }).from(surveys).where(eq(surveys.id, surveyId)).get()?.items ?? []
}

/** Answers per combination of attributes over the survey's whole history. */
function comboTotals (db: DbOrTx, surveyId: string): Array<{ attributes: Record<string, string>, n: number }> {
  return db.select({ combo: responseCombos.combo, n: sql<number>`sum(${responseCombos.n})` }).from(responseCombos)
    .where(eq(responseCombos.surveyId, surveyId)).groupBy(responseCombos.combo).all()
    .map(r => ({ attributes: parseCombo(r.combo), n: r.n }))
}

/**
 * Invitations delivered per day in the period: the response-rate denominator (docs/results.md). Those
 * retention deleted are counted in delivered_counts (src/retention/repository.ts).
 */
export function deliveredByDay (db: DbOrTx, surveyId: string, period: Period): Array<[string, number]> {
  const live = db.select({ day: invitations.deliveredOn, n: sql<number>`count(*)` }).from(invitations)
    .where(and(eq(invitations.surveyId, surveyId), between(invitations.deliveredOn, period.from, period.to)))
    .groupBy(invitations.deliveredOn).all()
  const purged = db.select({ day: deliveredCounts.day, n: deliveredCounts.n }).from(deliveredCounts)
    .where(and(eq(deliveredCounts.surveyId, surveyId), between(deliveredCounts.day, period.from, period.to))).all()
  const byDay = new Map<string, number>()
  for (const { day, n } of [...live, ...purged]) byDay.set(day!, (byDay.get(day!) ?? 0) + n)
  return [...byDay]
}

/** Comments of the period, at most `limit`, in random-id order (they carry no time of their own). */
export function commentsIn (db: DbOrTx, surveyId: string, period: Period, limit: number): string[] {
  return db.select({ comment: responses.comment }).from(responses)
    .where(and(inSurveyPeriod(surveyId, period), isNotNull(responses.comment), ne(responses.comment, '')))
    .orderBy(responses.id).limit(limit).all()
    .map(r => r.comment!)
}

/** The attribute names a survey's answers carry, from the rollup (item values are not attributes). */
export function attributeKeys (db: DbOrTx, surveyId: string): string[] {
  const keys = new Set<string>()
  for (const { attributes } of comboTotals(db, surveyId)) {
    for (const k of Object.keys(attributes)) if (k !== '' && !isItemKey(k)) keys.add(k)
  }
  return [...keys].sort()
}

/** The attribute names a survey's answers carry, those most answers carry first (ties: alphabetical). */
export function attributesByUse (db: DbOrTx, surveyId: string): string[] {
  const carried = new Map<string, number>()
  for (const { attributes, n } of comboTotals(db, surveyId)) {
    for (const k of Object.keys(attributes)) if (k !== '' && !isItemKey(k)) carried.set(k, (carried.get(k) ?? 0) + n)
  }
  return [...carried].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([k]) => k)
}

/** The attribute most answers carry (ties: alphabetical), or undefined. */
export function mostCommonAttribute (db: DbOrTx, surveyId: string): string | undefined {
  return attributesByUse(db, surveyId)[0]
}

/** The surveys whose answers carry attributes (one range of the rollup's key each). */
export function surveysWithAttributes (db: DbOrTx): SurveyRow[] {
  return db.select().from(surveys)
    .where(sql`exists (select 1 from ${responseCombos}
      where ${responseCombos.surveyId} = ${surveys.id} and ${responseCombos.combo} <> '{}')`).all()
}

export function countComments (db: DbOrTx, surveyId: string, period: Period): number {
  return db.select({ n: sql<number>`count(*)` }).from(responses)
    .where(and(inSurveyPeriod(surveyId, period), isNotNull(responses.comment), ne(responses.comment, ''))).get()?.n ?? 0
}

export interface ExportRow {
  id: string
  score: number
  comment: string | null
  day: string
  attributes: Record<string, string>
}

/** One page of the period's answers ordered by score and random id, after the given one. */
export function answersPage (
  db: DbOrTx, surveyId: string, period: Period, after: { score: number, id: string } | null, limit: number
): ExportRow[] {
  const where = [inSurveyPeriod(surveyId, period)]
  if (after !== null) {
    where.push(or(gt(responses.score, after.score), and(eq(responses.score, after.score), gt(responses.id, after.id))))
  }
  const { id, score, comment, day, attributes } = responses
  return db.select({ id, score, comment, day, attributes })
    .from(responses).where(and(...where)).orderBy(asc(responses.score), asc(responses.id)).limit(limit).all()
}

export function surveysOf (db: DbOrTx, team: string, metric: SurveyRow['metric']): SurveyRow[] {
  return db.select().from(surveys).where(and(eq(surveys.team, team), eq(surveys.metric, metric)))
    .orderBy(asc(surveys.createdAt), asc(surveys.id)).all()
}

export function insertShareLink (db: DbOrTx, row: typeof shareLinks.$inferInsert): ShareLinkRow {
  return db.insert(shareLinks).values(row).returning().get()
}

export function findShareLinkByTokenHash (db: DbOrTx, tokenHash: string): ShareLinkRow | undefined {
  return db.select().from(shareLinks).where(eq(shareLinks.tokenHash, tokenHash)).get()
}

export function findShareLink (db: DbOrTx, id: string): ShareLinkRow | undefined {
  return db.select().from(shareLinks).where(eq(shareLinks.id, id)).get()
}

export function listShareLinks (db: DbOrTx, surveyId: string): ShareLinkRow[] {
  return db.select().from(shareLinks).where(eq(shareLinks.surveyId, surveyId))
    .orderBy(desc(shareLinks.createdAt), desc(shareLinks.id)).all()
}

export function revokeShareLink (db: DbOrTx, id: string, at: Date): ShareLinkRow | undefined {
  return db.update(shareLinks).set({ revokedAt: at }).where(eq(shareLinks.id, id)).returning().get()
}
