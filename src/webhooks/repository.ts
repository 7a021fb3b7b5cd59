import { and, asc, desc, eq, inArray, lte, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { changed, greatest, skipLocked, tables } from '../db/dialect.js'
import { newId } from '../ids.js'
import type { AttemptRow, DeliveryRow, SubscriptionRow, webhookWatch } from './tables.js'

export async function insertSubscription (db: DbOrTx, row: SubscriptionRow): Promise<SubscriptionRow> {
  const { webhookSubscriptions } = tables(db)
  const [inserted] = await db.insert(webhookSubscriptions).values(row).returning()
  return inserted!
}

export async function findSubscription (db: DbOrTx, id: string): Promise<SubscriptionRow | undefined> {
  const { webhookSubscriptions } = tables(db)
  const [row] = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id)).limit(1)
  return row
}

export async function listSubscriptions (db: DbOrTx): Promise<SubscriptionRow[]> {
  const { webhookSubscriptions } = tables(db)
  return await db.select().from(webhookSubscriptions)
    .orderBy(desc(webhookSubscriptions.createdAt), desc(webhookSubscriptions.id))
}

export async function activeSubscriptions (db: DbOrTx): Promise<SubscriptionRow[]> {
  const { webhookSubscriptions } = tables(db)
  return await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.status, 'active'))
}

export async function deleteSubscription (db: DbOrTx, id: string): Promise<boolean> {
  const { webhookSubscriptions } = tables(db)
  return changed(await db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id))) > 0
}

export async function enqueue (
  db: DbOrTx, subscriptionId: string, event: string, body: string, now: Date
): Promise<DeliveryRow> {
  const { webhookDeliveries } = tables(db)
  const [row] = await db.insert(webhookDeliveries).values({
    id: newId('msg'), subscriptionId, event, body, state: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now
  }).returning()
  return row!
}

/** Claims due deliveries of active subscriptions for one worker, in one statement (as the mail outbox does). */
export async function claimDue (
  db: DbOrTx, now: Date, leaseId: string, leaseUntil: Date, limit: number
): Promise<DeliveryRow[]> {
  const { webhookSubscriptions, webhookDeliveries } = tables(db)
  const active = db.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.status, 'active'))
  // Several instances may claim at once: each skips the rows another is claiming.
  const due = skipLocked(db, db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(and(
    inArray(webhookDeliveries.subscriptionId, active),
    or(
      and(eq(webhookDeliveries.state, 'pending'), lte(webhookDeliveries.nextAttemptAt, now)),
      and(eq(webhookDeliveries.state, 'sending'), lte(webhookDeliveries.leaseUntil, now))
    )
  )).orderBy(asc(webhookDeliveries.nextAttemptAt)).limit(limit))
  return await db.update(webhookDeliveries)
    .set({ state: 'sending', leaseId, leaseUntil, attempts: sql`${webhookDeliveries.attempts} + 1` })
    .where(inArray(webhookDeliveries.id, due)).returning()
}

export async function recordAttempt (db: DbOrTx, attempt: Omit<AttemptRow, 'id'>): Promise<void> {
  const { webhookAttempts } = tables(db)
  await db.insert(webhookAttempts).values({ id: newId('att'), ...attempt })
}

export async function markDelivered (db: DbOrTx, id: string, now: Date): Promise<void> {
  const { webhookDeliveries } = tables(db)
  await db.update(webhookDeliveries)
    .set({ state: 'delivered', deliveredAt: now, leaseId: null, leaseUntil: null, lastError: null })
    .where(eq(webhookDeliveries.id, id))
}

export async function markRetry (db: DbOrTx, id: string, leaseId: string, next: Date, error: string): Promise<void> {
  const { webhookDeliveries } = tables(db)
  await db.update(webhookDeliveries)
    .set({ state: 'pending', nextAttemptAt: next, leaseId: null, leaseUntil: null, lastError: error })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.leaseId, leaseId)))
}

export async function markFailed (db: DbOrTx, id: string, error: string): Promise<void> {
  const { webhookDeliveries } = tables(db)
  await db.update(webhookDeliveries).set({ state: 'failed', leaseId: null, leaseUntil: null, lastError: error })
    .where(eq(webhookDeliveries.id, id))
}

export async function releaseLeases (db: DbOrTx, leaseId: string): Promise<number> {
  const { webhookDeliveries } = tables(db)
  const released = await db.update(webhookDeliveries)
    .set({
      state: 'pending',
      leaseId: null,
      leaseUntil: null,
      attempts: greatest(db, sql`${webhookDeliveries.attempts} - 1`, sql`0`)
    })
    .where(and(eq(webhookDeliveries.leaseId, leaseId), eq(webhookDeliveries.state, 'sending')))
  return changed(released)
}

export async function setFailures (db: DbOrTx, id: string, failures: number): Promise<void> {
  const { webhookSubscriptions } = tables(db)
  await db.update(webhookSubscriptions).set({ failures }).where(eq(webhookSubscriptions.id, id))
}

/** Disables a subscription and cancels what it still had queued. */
export async function disable (db: DbOrTx, id: string, reason: string): Promise<void> {
  const { webhookSubscriptions, webhookDeliveries } = tables(db)
  await db.update(webhookSubscriptions).set({ status: 'disabled', disabledReason: reason })
    .where(eq(webhookSubscriptions.id, id))
  await db.update(webhookDeliveries).set({ state: 'cancelled', leaseId: null, leaseUntil: null })
    .where(and(eq(webhookDeliveries.subscriptionId, id), eq(webhookDeliveries.state, 'pending')))
}

export async function enable (db: DbOrTx, id: string): Promise<void> {
  const { webhookSubscriptions } = tables(db)
  await db.update(webhookSubscriptions).set({ status: 'active', disabledReason: null, failures: 0 })
    .where(eq(webhookSubscriptions.id, id))
}

export async function deliveriesOf (db: DbOrTx, subscriptionId: string, limit: number): Promise<DeliveryRow[]> {
  const { webhookDeliveries } = tables(db)
  return await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subscriptionId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id)).limit(limit)
}

export async function attemptsOf (db: DbOrTx, deliveryIds: string[]): Promise<AttemptRow[]> {
  const { webhookAttempts } = tables(db)
  if (deliveryIds.length === 0) return []
  return await db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveryIds))
    .orderBy(asc(webhookAttempts.at))
}

export async function getWatch (db: DbOrTx, key: string): Promise<typeof webhookWatch.$inferSelect | undefined> {
  const { webhookWatch } = tables(db)
  const [row] = await db.select().from(webhookWatch).where(eq(webhookWatch.key, key)).limit(1)
  return row
}

type Watched = { lastBlockTo?: string | null, targetState?: 'met' | 'missed' | null }

export async function setWatch (db: DbOrTx, key: string, values: Watched): Promise<void> {
  const { webhookWatch } = tables(db)
  await db.insert(webhookWatch).values({ key, ...values }).onConflictDoUpdate({ target: webhookWatch.key, set: values })
}
