import { and, asc, eq, inArray, lte, ne, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { changed, greatest, skipLocked, tables } from '../db/dialect.js'
import { placeholdersOf, preparedPerHandle } from '../db/prepared.js'
import { newId } from '../ids.js'
import type { MailPurpose, NewOutboxRow, OutboxRow } from './tables.js'

/** Whom a queued mail goes to, and why. */
interface MailTarget {
  invitationId: string | null
  purpose: MailPurpose
  recipient: string
}

/** Stored rendered. */
export interface RenderedQueuedMail extends MailTarget {
  subject: string
  text: string
  html: string
  headers: Record<string, string>
  token?: undefined
}

/**
 * Stored as its link's token only, rendered when it is sent (`DeliveryHooks.render`): a few bytes
 * written instead of the whole message, and no rendering inside the transaction that queues it.
 */
export interface DeferredQueuedMail extends MailTarget {
  token: string
  subject?: undefined
  text?: undefined
  html?: undefined
  headers?: undefined
}

/** A mail, as queued. */
export type QueuedMail = RenderedQueuedMail | DeferredQueuedMail

/** A row that reached a final state keeps no address, token or message (docs/anonymity.md, promise 3). */
const ERASED = {
  recipient: null,
  subject: null,
  text: null,
  html: null,
  headers: null,
  token: null,
  leaseUntil: null,
  leaseId: null
}

function newRow (mail: QueuedMail, now: Date): NewOutboxRow {
  return {
    id: newId('mail'),
    ...mail,
    token: mail.token ?? null,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now
  }
}

export async function enqueueMail (db: DbOrTx, mail: QueuedMail, now: Date): Promise<OutboxRow> {
  const { outbox } = tables(db)
  const [row] = await db.insert(outbox).values(newRow(mail, now)).returning()
  return row!
}

/** Many mails at once (a batch of invitations): multi-row inserts, several times faster than one by one. */
export async function enqueueMails (db: DbOrTx, mails: QueuedMail[], now: Date): Promise<void> {
  const insert = insertOne(db)
  for (const mail of mails) {
    await insert.execute({
      id: newId('mail'),
      invitationId: mail.invitationId,
      purpose: mail.purpose,
      state: 'pending',
      recipient: mail.recipient,
      subject: mail.subject ?? null,
      text: mail.text ?? null,
      html: mail.html ?? null,
      headers: mail.headers === undefined ? null : JSON.stringify(mail.headers),
      token: mail.token ?? null,
      attempts: 0,
      nextAttemptAt: now.getTime(),
      createdAt: now.getTime()
    })
  }
}

// One prepared single-row INSERT run per mail: building multi-row INSERTs in drizzle cost more than
// SQLite running them (BENCHMARKS.md, "E-mail invitations").
// The columns a new row sets; the lease, last error and sent time start empty.
const OUTBOX_COLUMNS: Record<Exclude<keyof OutboxRow, 'leaseUntil' | 'leaseId' | 'lastError' | 'sentAt'>, true> = {
  id: true,
  invitationId: true,
  purpose: true,
  state: true,
  recipient: true,
  subject: true,
  text: true,
  html: true,
  headers: true,
  token: true,
  attempts: true,
  nextAttemptAt: true,
  createdAt: true
}
const insertOne = preparedPerHandle(db =>
  db.insert(tables(db).outbox)
    .values(placeholdersOf<Pick<OutboxRow, keyof typeof OUTBOX_COLUMNS>>(OUTBOX_COLUMNS))
    .prepare())

/**
 * Up to `limit` rows due now: rows whose previous claim ran out (their worker died mid-send), then
 * pending rows by when they fall due. Two index range reads in order, not one OR (which SQLite
 * answers by collecting every due row and sorting it: a batch of 10,000 mails sorted again for
 * each claim of 50).
 */
export async function dueIds (db: DbOrTx, now: Date, limit: number): Promise<string[]> {
  const { outbox } = tables(db)
  const stale = await db.select({ id: outbox.id }).from(outbox)
    .where(and(eq(outbox.state, 'sending'), lte(outbox.leaseUntil, now)))
    .limit(limit)
  const pending = stale.length >= limit
    ? []
    : await db.select({ id: outbox.id }).from(outbox)
      .where(and(eq(outbox.state, 'pending'), lte(outbox.nextAttemptAt, now)))
      .orderBy(asc(outbox.nextAttemptAt))
      .limit(limit - stale.length)
  return [...stale, ...pending].map(r => r.id)
}

/**
 * Claims for one worker those of `ids` that are still due (pending, or their claim ran out), in
 * one statement of its own (not inside a transaction), so two workers never claim the same row:
 * SQLite runs one writer at a time; on PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`,
 * so of two instances claiming at once each takes the rows the other is not taking, and a row
 * the other claimed a moment ago no longer meets the condition (docs/postgres.md).
 */
export async function claim (
  db: DbOrTx, ids: string[], now: Date, leaseId: string, leaseUntil: Date
): Promise<OutboxRow[]> {
  if (ids.length === 0) return []
  const { outbox } = tables(db)
  const stillDue = skipLocked(db, db.select({ id: outbox.id }).from(outbox).where(and(
    inArray(outbox.id, ids),
    or(
      and(eq(outbox.state, 'pending'), lte(outbox.nextAttemptAt, now)),
      and(eq(outbox.state, 'sending'), lte(outbox.leaseUntil, now))
    )
  )))
  return await db
    .update(outbox)
    .set({ state: 'sending', leaseId, leaseUntil, attempts: sql`${outbox.attempts} + 1` })
    .where(inArray(outbox.id, stillDue))
    .returning()
}

/**
 * The server accepted the mail: recorded whoever holds the row now, because that is what
 * happened. Returns false when it was already recorded as sent.
 */
export async function markSent (db: DbOrTx, id: string, now: Date): Promise<boolean> {
  return changed(await sentQuery(db).execute({ id, now: now.getTime() })) > 0
}

// Every mail runs it: prepared once per handle (the group commit's, src/db/prepared.ts).
const sentQuery = preparedPerHandle(db => {
  const { outbox } = tables(db)
  return db
    .update(outbox)
    .set({ ...ERASED, state: 'sent', sentAt: sql`${sql.placeholder('now')}`, lastError: null })
    .where(and(eq(outbox.id, sql.placeholder('id')), ne(outbox.state, 'sent')))
    .prepare()
})

/** A failed attempt, to be tried again at `next`; only by the worker that still holds the row. */
export async function markRetry (
  db: DbOrTx, id: string, leaseId: string, next: Date, error: string
): Promise<boolean> {
  const { outbox } = tables(db)
  const done = await db
    .update(outbox)
    .set({ state: 'pending', nextAttemptAt: next, leaseUntil: null, leaseId: null, lastError: error })
    .where(and(eq(outbox.id, id), eq(outbox.leaseId, leaseId), eq(outbox.state, 'sending')))
    .returning({ id: outbox.id })
  return done.length > 0
}

/** Given up: the last error is kept, the address and message are not. */
export async function markFailed (db: DbOrTx, id: string, leaseId: string, error: string): Promise<boolean> {
  const { outbox } = tables(db)
  const done = await db
    .update(outbox)
    .set({ ...ERASED, state: 'failed', lastError: error })
    .where(and(eq(outbox.id, id), eq(outbox.leaseId, leaseId), eq(outbox.state, 'sending')))
    .returning({ id: outbox.id })
  return done.length > 0
}

/**
 * Hands rows a stopping worker did not finish back to the queue, due at once. The interrupted
 * attempt is not counted: a restart is no fault of the mail's.
 */
export async function releaseLeases (db: DbOrTx, leaseId: string, ids?: string[]): Promise<number> {
  const { outbox } = tables(db)
  const mine = and(
    eq(outbox.leaseId, leaseId),
    eq(outbox.state, 'sending'),
    ids === undefined ? undefined : inArray(outbox.id, ids)
  )
  return changed(await db
    .update(outbox)
    .set({
      state: 'pending', leaseUntil: null, leaseId: null, attempts: greatest(db, sql`${outbox.attempts} - 1`, sql`0`)
    })
    .where(mine))
}

/** Cancels mail not yet handed to a server, e.g. after an opt-out; erases it at once. */
export async function cancelPending (db: DbOrTx, invitationIds: string[]): Promise<number> {
  const { outbox } = tables(db)
  if (invitationIds.length === 0) return 0
  return changed(await db
    .update(outbox)
    .set({ ...ERASED, state: 'cancelled' })
    .where(and(eq(outbox.state, 'pending'), inArray(outbox.invitationId, invitationIds))))
}

export async function findMail (db: DbOrTx, id: string): Promise<OutboxRow | undefined> {
  const { outbox } = tables(db)
  const [row] = await db.select().from(outbox).where(eq(outbox.id, id))
  return row
}

export async function listMailForInvitation (db: DbOrTx, invitationId: string): Promise<OutboxRow[]> {
  const { outbox } = tables(db)
  return await db.select().from(outbox).where(eq(outbox.invitationId, invitationId)).orderBy(asc(outbox.createdAt))
}
