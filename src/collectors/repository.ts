import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { tables } from '../db/dialect.js'
import { preparedPerHandle } from '../db/prepared.js'
import type { CollectorRow, NewCollectorRow } from './tables.js'

export interface CollectorFilter {
  surveyId: string
  status?: CollectorRow['status'] | undefined
  after?: { createdAt: Date; id: string } | undefined
}

export async function insertCollector (db: DbOrTx, row: NewCollectorRow): Promise<CollectorRow> {
  const { collectors } = tables(db)
  const [inserted] = await db.insert(collectors).values(row).returning()
  return inserted!
}

// The answer path's queries (a QR link opened, then answered), prepared once per handle.
const byId = preparedPerHandle(db => {
  const { collectors } = tables(db)
  return db.select().from(collectors).where(eq(collectors.id, sql.placeholder('id'))).prepare()
})
const byTokenHash = preparedPerHandle(db => {
  const { collectors } = tables(db)
  return db.select().from(collectors).where(eq(collectors.tokenHash, sql.placeholder('hash'))).prepare()
})
const pruneBefore = preparedPerHandle(db => {
  const { collectorHourCounts } = tables(db)
  return db.delete(collectorHourCounts).where(lt(collectorHourCounts.hour, sql.placeholder('hour'))).prepare()
})
const increment = preparedPerHandle(db => {
  const { collectorHourCounts } = tables(db)
  return db
    .insert(collectorHourCounts)
    .values({ collectorId: sql.placeholder('collectorId'), hour: sql.placeholder('hour'), count: 1 })
    .onConflictDoUpdate({
      target: [collectorHourCounts.collectorId, collectorHourCounts.hour],
      set: { count: sql`${collectorHourCounts.count} + 1` }
    })
    .returning({ count: collectorHourCounts.count })
    .prepare()
})

export async function findCollector (db: DbOrTx, id: string): Promise<CollectorRow | undefined> {
  const [row] = await byId(db).execute({ id })
  return row
}

export async function findCollectorByTokenHash (db: DbOrTx, tokenHash: string): Promise<CollectorRow | undefined> {
  const [row] = await byTokenHash(db).execute({ hash: tokenHash })
  return row
}

/** Newest first; `after` continues below the given (created_at, id). */
export async function listCollectors (db: DbOrTx, filter: CollectorFilter, limit: number): Promise<CollectorRow[]> {
  const { collectors } = tables(db)
  const where: SQL[] = [eq(collectors.surveyId, filter.surveyId)]
  if (filter.status !== undefined) where.push(eq(collectors.status, filter.status))
  if (filter.after !== undefined) {
    const { createdAt, id } = filter.after
    where.push(
      or(lt(collectors.createdAt, createdAt), and(eq(collectors.createdAt, createdAt), lt(collectors.id, id)))!
    )
  }
  return await db
    .select()
    .from(collectors)
    .where(and(...where))
    .orderBy(desc(collectors.createdAt), desc(collectors.id))
    .limit(limit)
}

export async function updateCollector (
  db: DbOrTx, id: string, changes: Partial<NewCollectorRow>
): Promise<CollectorRow | undefined> {
  const { collectors } = tables(db)
  const [row] = await db.update(collectors).set(changes).where(eq(collectors.id, id)).returning()
  return row
}

/** Deletes the counts of every hour before `hour`, for all collectors. */
export async function pruneHourCounts (db: DbOrTx, hour: number): Promise<void> {
  await pruneBefore(db).execute({ hour })
}

/** Adds one answer to the collector's count for `hour` and returns the new count. */
export async function incrementHourCount (db: DbOrTx, collectorId: string, hour: number): Promise<number> {
  const [row] = await increment(db).execute({ collectorId, hour })
  return row!.count
}
