import { and, desc, eq, gte, lt, lte, or, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { changed, tables } from '../db/dialect.js'
import type { AuditEventRow } from './tables.js'

export interface AuditFilter {
  actor?: string | undefined
  action?: string | undefined
  surveyId?: string | undefined
  team?: string | undefined
  /** Hours, inclusive (`YYYY-MM-DDTHH`). */
  fromHour?: string | undefined
  toHour?: string | undefined
  after?: { hour: string, id: string } | undefined
}

export async function insertAuditEvent (db: DbOrTx, row: AuditEventRow): Promise<void> {
  const { auditEvents } = tables(db)
  await db.insert(auditEvents).values(row)
}

/** Newest hour first; `after` continues below the given (hour, id). */
export async function listAuditEvents (db: DbOrTx, filter: AuditFilter, limit: number): Promise<AuditEventRow[]> {
  const { auditEvents } = tables(db)
  const where: SQL[] = []
  if (filter.actor !== undefined) where.push(eq(auditEvents.actor, filter.actor))
  if (filter.action !== undefined) where.push(eq(auditEvents.action, filter.action))
  if (filter.surveyId !== undefined) where.push(eq(auditEvents.surveyId, filter.surveyId))
  if (filter.team !== undefined) where.push(eq(auditEvents.team, filter.team))
  if (filter.fromHour !== undefined) where.push(gte(auditEvents.hour, filter.fromHour))
  if (filter.toHour !== undefined) where.push(lte(auditEvents.hour, filter.toHour))
  if (filter.after !== undefined) {
    const { hour, id } = filter.after
    where.push(or(lt(auditEvents.hour, hour), and(eq(auditEvents.hour, hour), lt(auditEvents.id, id)))!)
  }
  return await db.select().from(auditEvents).where(and(...where))
    .orderBy(desc(auditEvents.hour), desc(auditEvents.id)).limit(limit)
}

/** Deletes events of hours before `hour`; answers how many went. */
export async function deleteAuditEventsBefore (db: DbOrTx, hour: string): Promise<number> {
  const { auditEvents } = tables(db)
  return changed(await db.delete(auditEvents).where(lt(auditEvents.hour, hour)))
}
