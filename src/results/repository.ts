import { and, asc, between, desc, eq, gt, isNotNull, ne, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { deliveredCounts, invitations } from '../invitations/tables.js'
import { responses } from '../responses/tables.js'
import { surveys, type SurveyRow } from '../surveys/tables.js'
import { responseCounts as rc, shareLinks, type ShareLinkRow } from './tables.js'

// Every query results need. Whole-survey and one-attribute questions read the rollup
// (response_counts); questions about two attributes at once scan the survey's answers.

export interface Period { from: string, to: string }
export interface DayScoreCount { day: string, score: number, n: number, invited: number }
export type Filter = readonly [key: string, value: string]

/** Answers per day, today included, ascending: what release blocks are cut from. */
export function answeredDays (db: DbOrTx, surveyId: string): Array<[string, number]> {
  return db.select({ day: rc.day, n: sql<number>`sum(${rc.n})` }).from(rc)
    .where(and(eq(rc.surveyId, surveyId), eq(rc.attribute, ''), eq(rc.value, '')))
    .groupBy(rc.day).orderBy(rc.day).all()
    .map(r => [r.day, r.n])
}

/** Rollup rows of all answers, or of those carrying one attribute value, in the period. */
export function countsByDay (db: DbOrTx, surveyId: string, period: Period, filter?: Filter): DayScoreCount[] {
  return db.select({ day: rc.day, score: rc.score, n: rc.n, invited: rc.invited }).from(rc)
    .where(and(eq(rc.surveyId, surveyId), eq(rc.attribute, filter?.[0] ?? ''), eq(rc.value, filter?.[1] ?? ''),
      between(rc.day, period.from, period.to)))
    .all()
}

/** The same, added up per score over the period (a dozen rows instead of days × scores). */
export function countsByScore (db: DbOrTx, surveyId: string, period: Period, filter?: Filter): Array<{ score: number, n: number, invited: number }> {
  return db.select({ score: rc.score, n: sql<number>`sum(${rc.n})`, invited: sql<number>`sum(${rc.invited})` }).from(rc)
    .where(and(eq(rc.surveyId, surveyId), eq(rc.attribute, filter?.[0] ?? ''), eq(rc.value, filter?.[1] ?? ''),
      between(rc.day, period.from, period.to)))
    .groupBy(rc.score).all()
}

/** Rollup counts of one attribute's values in the period, per value (and per day and score where asked). */
export function valueCounts (db: DbOrTx, surveyId: string, attribute: string, period: Period, by: { day?: boolean, score?: boolean }): Array<{ value: string, day: string | null, score: number | null, n: number, invited: number }> {
  const cols = [rc.value, ...(by.day === true ? [rc.day] : []), ...(by.score === true ? [rc.score] : [])]
  return db.select({
    value: rc.value,
    day: by.day === true ? rc.day : sql<null>`null`,
    score: by.score === true ? rc.score : sql<null>`null`,
    n: sql<number>`sum(${rc.n})`,
    invited: sql<number>`sum(${rc.invited})`
  }).from(rc)
    .where(and(eq(rc.surveyId, surveyId), eq(rc.attribute, attribute), between(rc.day, period.from, period.to)))
    .groupBy(...cols).all()
}

// Attribute names are checked against a strict pattern before they get here; quoting the JSON
// path keeps names with '-' or '.' literal.
const attr = (key: string): SQL => sql`json_extract(${responses.attributes}, ${`$."${key}"`})`

const inSurveyPeriod = (surveyId: string, period: Period): SQL | undefined =>
  and(eq(responses.surveyId, surveyId), between(responses.day, period.from, period.to))

export interface ScannedCount { values: Array<string | null>, day: string, score: number, n: number, invited: number }

/**
 * The period's answers counted per value of each of `keys` (null without it), day and score: the
 * slow path for questions about two attributes at once, which the rollup cannot answer.
 */
export function scan (db: DbOrTx, surveyId: string, period: Period, keys: readonly string[]): ScannedCount[] {
  const values = sql`json_array(${sql.join(keys.map(attr), sql`, `)})`
  return db.select({
    values: sql<string>`${values}`,
    day: responses.day,
    score: responses.score,
    n: sql<number>`count(*)`,
    invited: sql<number>`sum(${responses.channel} <> 'collector')`
  }).from(responses).where(inSurveyPeriod(surveyId, period))
    .groupBy(sql`1, 2, 3`).all()
    .map(r => ({ ...r, values: JSON.parse(r.values) as Array<string | null> }))
}

/**
 * Invitations delivered per day in the period: the response-rate denominator (SPEC §4). Those
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

/** The attribute names a survey's answers carry, from the rollup. */
export function attributeKeys (db: DbOrTx, surveyId: string): string[] {
  return db.selectDistinct({ attribute: rc.attribute }).from(rc)
    .where(and(eq(rc.surveyId, surveyId), ne(rc.attribute, ''))).orderBy(rc.attribute).all()
    .map(r => r.attribute)
}

/** The attribute most answers carry (ties: alphabetical), or undefined. */
export function mostCommonAttribute (db: DbOrTx, surveyId: string): string | undefined {
  return db.select({ attribute: rc.attribute }).from(rc)
    .where(and(eq(rc.surveyId, surveyId), ne(rc.attribute, '')))
    .groupBy(rc.attribute).orderBy(desc(sql`sum(${rc.n})`), asc(rc.attribute)).limit(1).get()?.attribute
}

export function countComments (db: DbOrTx, surveyId: string, period: Period): number {
  return db.select({ n: sql<number>`count(*)` }).from(responses)
    .where(and(inSurveyPeriod(surveyId, period), isNotNull(responses.comment), ne(responses.comment, ''))).get()?.n ?? 0
}

/** Answers per day and combination of the given attributes' values: what the export is planned on. */
export function attributeCombos (db: DbOrTx, surveyId: string, period: Period, keys: readonly string[]): Array<{ day: string, values: Array<string | null>, n: number }> {
  const values = keys.length === 0 ? sql`'[]'` : sql`json_array(${sql.join(keys.map(attr), sql`, `)})`
  return db.select({ day: responses.day, values: sql<string>`${values}`, n: sql<number>`count(*)` }).from(responses)
    .where(inSurveyPeriod(surveyId, period)).groupBy(sql`1, 2`).all()
    .map(r => ({ day: r.day, values: JSON.parse(r.values) as Array<string | null>, n: r.n }))
}

export interface ExportRow { id: string, score: number, comment: string | null, day: string, attributes: Record<string, string> }

/** One page of the period's answers ordered by score and random id, after the given one. */
export function answersPage (db: DbOrTx, surveyId: string, period: Period, after: { score: number, id: string } | null, limit: number): ExportRow[] {
  const where = [inSurveyPeriod(surveyId, period)]
  if (after !== null) {
    where.push(or(gt(responses.score, after.score), and(eq(responses.score, after.score), gt(responses.id, after.id))))
  }
  return db.select({ id: responses.id, score: responses.score, comment: responses.comment, day: responses.day, attributes: responses.attributes })
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
  return db.select().from(shareLinks).where(eq(shareLinks.surveyId, surveyId)).orderBy(desc(shareLinks.createdAt), desc(shareLinks.id)).all()
}

export function revokeShareLink (db: DbOrTx, id: string, at: Date): ShareLinkRow | undefined {
  return db.update(shareLinks).set({ revokedAt: at }).where(eq(shareLinks.id, id)).returning().get()
}
