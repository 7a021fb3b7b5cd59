import { and, asc, desc, eq, inArray, lte, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { newId } from '../ids.js'
import {
  webhookAttempts, webhookDeliveries, webhookSubscriptions, webhookWatch,
  type AttemptRow, type DeliveryRow, type SubscriptionRow
} from './tables.js'

export function insertSubscription (db: DbOrTx, row: SubscriptionRow): SubscriptionRow {
  return db.insert(webhookSubscriptions).values(row).returning().get()
}

export function findSubscription (db: DbOrTx, id: string): SubscriptionRow | undefined {
  return db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id)).get()
}

export function listSubscriptions (db: DbOrTx): SubscriptionRow[] {
  return db.select().from(webhookSubscriptions)
    .orderBy(desc(webhookSubscriptions.createdAt), desc(webhookSubscriptions.id)).all()
}

export function activeSubscriptions (db: DbOrTx): SubscriptionRow[] {
  return db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.status, 'active')).all()
}

export function deleteSubscription (db: DbOrTx, id: string): boolean {
  return db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id)).run().changes > 0
}

export function enqueue (db: DbOrTx, subscriptionId: string, event: string, body: string, now: Date): DeliveryRow {
  return db.insert(webhookDeliveries).values({
    id: newId('msg'), subscriptionId, event, body, state: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now
  }).returning().get()
}

/** Claims due deliveries of active subscriptions for one worker, in one statement (as the mail outbox does). */
export function claimDue (db: DbOrTx, now: Date, leaseId: string, leaseUntil: Date, limit: number): DeliveryRow[] {
  const active = db.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.status, 'active'))
  const due = db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(and(
    inArray(webhookDeliveries.subscriptionId, active),
    or(
      and(eq(webhookDeliveries.state, 'pending'), lte(webhookDeliveries.nextAttemptAt, now)),
      and(eq(webhookDeliveries.state, 'sending'), lte(webhookDeliveries.leaseUntil, now))
    )
  )).orderBy(asc(webhookDeliveries.nextAttemptAt)).limit(limit)
  return db.update(webhookDeliveries)
    .set({ state: 'sending', leaseId, leaseUntil, attempts: sql`${webhookDeliveries.attempts} + 1` })
    .where(inArray(webhookDeliveries.id, due)).returning().all()
}

export function recordAttempt (db: DbOrTx, attempt: Omit<AttemptRow, 'id'>): void {
  db.insert(webhookAttempts).values({ id: newId('att'), ...attempt }).run()
}

export function markDelivered (db: DbOrTx, id: string, now: Date): void {
  db.update(webhookDeliveries)
    .set({ state: 'delivered', deliveredAt: now, leaseId: null, leaseUntil: null, lastError: null })
    .where(eq(webhookDeliveries.id, id)).run()
}

export function markRetry (db: DbOrTx, id: string, leaseId: string, next: Date, error: string): void {
  db.update(webhookDeliveries)
    .set({ state: 'pending', nextAttemptAt: next, leaseId: null, leaseUntil: null, lastError: error })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.leaseId, leaseId))).run()
}

export function markFailed (db: DbOrTx, id: string, error: string): void {
  db.update(webhookDeliveries).set({ state: 'failed', leaseId: null, leaseUntil: null, lastError: error })
    .where(eq(webhookDeliveries.id, id)).run()
}

export function releaseLeases (db: DbOrTx, leaseId: string): number {
  return db.update(webhookDeliveries)
    .set({
      state: 'pending',
      leaseId: null,
      leaseUntil: null,
      attempts: sql`max(${webhookDeliveries.attempts} - 1, 0)`
    })
    .where(and(eq(webhookDeliveries.leaseId, leaseId), eq(webhookDeliveries.state, 'sending'))).run().changes
}

export function setFailures (db: DbOrTx, id: string, failures: number): void {
  db.update(webhookSubscriptions).set({ failures }).where(eq(webhookSubscriptions.id, id)).run()
}

/** Disables a subscription and cancels what it still had queued. */
export function disable (db: DbOrTx, id: string, reason: string): void {
  db.update(webhookSubscriptions).set({ status: 'disabled', disabledReason: reason })
    .where(eq(webhookSubscriptions.id, id)).run()
  db.update(webhookDeliveries).set({ state: 'cancelled', leaseId: null, leaseUntil: null })
    .where(and(eq(webhookDeliveries.subscriptionId, id), eq(webhookDeliveries.state, 'pending'))).run()
}

export function enable (db: DbOrTx, id: string): void {
  db.update(webhookSubscriptions).set({ status: 'active', disabledReason: null, failures: 0 })
    .where(eq(webhookSubscriptions.id, id)).run()
}

export function deliveriesOf (db: DbOrTx, subscriptionId: string, limit: number): DeliveryRow[] {
  return db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subscriptionId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id)).limit(limit).all()
}

export function attemptsOf (db: DbOrTx, deliveryIds: string[]): AttemptRow[] {
  if (deliveryIds.length === 0) return []
  return db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveryIds))
    .orderBy(asc(webhookAttempts.at)).all()
}

export function getWatch (db: DbOrTx, key: string): typeof webhookWatch.$inferSelect | undefined {
  return db.select().from(webhookWatch).where(eq(webhookWatch.key, key)).get()
}

type Watched = { lastBlockTo?: string | null, targetState?: 'met' | 'missed' | null }

export function setWatch (db: DbOrTx, key: string, values: Watched): void {
  db.insert(webhookWatch).values({ key, ...values }).onConflictDoUpdate({ target: webhookWatch.key, set: values }).run()
}
