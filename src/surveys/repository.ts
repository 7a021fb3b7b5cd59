import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { all, jsonKeys, tables } from '../db/dialect.js'
import { preparedPerHandle } from '../db/prepared.js'
import type { NewSurveyRow, SurveyRow } from './tables.js'

export interface SurveyFilter {
  kind?: SurveyRow['kind'] | undefined
  team?: string | undefined
  status?: SurveyRow['status'] | undefined
  /** Only these teams' surveys (a reader key's); undefined: every team. */
  teams?: readonly string[] | undefined
  after?: { createdAt: Date, id: string } | undefined
}

export async function insertSurvey (db: DbOrTx, row: NewSurveyRow): Promise<SurveyRow> {
  const { surveys } = tables(db)
  const [inserted] = await db.insert(surveys).values(row).returning()
  return inserted!
}

// Every page and answer reads its survey: prepared once per handle.
const byId = preparedPerHandle(db => {
  const { surveys } = tables(db)
  return db.select().from(surveys).where(eq(surveys.id, sql.placeholder('id'))).prepare()
})

export async function findSurvey (db: DbOrTx, id: string): Promise<SurveyRow | undefined> {
  const [row] = await byId(db).execute({ id })
  return row
}

/** Newest first; `after` continues below the given (created_at, id). */
export async function listSurveys (db: DbOrTx, filter: SurveyFilter, limit: number): Promise<SurveyRow[]> {
  const { surveys } = tables(db)
  const where: SQL[] = []
  if (filter.kind !== undefined) where.push(eq(surveys.kind, filter.kind))
  if (filter.team !== undefined) where.push(eq(surveys.team, filter.team))
  if (filter.status !== undefined) where.push(eq(surveys.status, filter.status))
  if (filter.teams !== undefined) where.push(inArray(surveys.team, [...filter.teams]))
  if (filter.after !== undefined) {
    const { createdAt, id } = filter.after
    where.push(or(lt(surveys.createdAt, createdAt), and(eq(surveys.createdAt, createdAt), lt(surveys.id, id)))!)
  }
  return await db.select().from(surveys).where(and(...where))
    .orderBy(desc(surveys.createdAt), desc(surveys.id)).limit(limit)
}

export async function updateSurvey (
  db: DbOrTx, id: string, changes: Partial<NewSurveyRow>
): Promise<SurveyRow | undefined> {
  const { surveys } = tables(db)
  const [row] = await db.update(surveys).set(changes).where(eq(surveys.id, id)).returning()
  return row
}

/** The team's newest active survey of a kind: the one the ticketing hook invites to. */
export async function findActiveSurveyOfTeam (
  db: DbOrTx, team: string, kind: SurveyRow['kind']
): Promise<SurveyRow | undefined> {
  const { surveys } = tables(db)
  const [row] = await db.select().from(surveys)
    .where(and(eq(surveys.team, team), eq(surveys.kind, kind), eq(surveys.status, 'active')))
    .orderBy(desc(surveys.createdAt), desc(surveys.id)).limit(1)
  return row
}

export async function surveyIdsOfTeam (db: DbOrTx, team: string, kind: SurveyRow['kind']): Promise<string[]> {
  const { surveys } = tables(db)
  const rows = await db.select({ id: surveys.id }).from(surveys)
    .where(and(eq(surveys.team, team), eq(surveys.kind, kind)))
  return rows.map(r => r.id)
}

/** The keys of the survey's items that stored answers hold: those items may no longer change meaning. */
export async function answeredItemKeys (db: DbOrTx, surveyId: string): Promise<Set<string>> {
  const { responses } = tables(db)
  const rows = await all<{ key: string }>(db, sql`SELECT DISTINCT j.key AS key
    FROM ${responses}, ${jsonKeys(db, sql`${responses.items}`, 'j')}
    WHERE ${responses.surveyId} = ${surveyId} AND ${responses.items} IS NOT NULL`)
  return new Set(rows.map(r => r.key))
}
