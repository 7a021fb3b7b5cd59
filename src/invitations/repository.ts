import { and, eq, gt, gte, inArray, lt, lte, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { changed, tables } from '../db/dialect.js'
import { placeholdersOf, preparedPerHandle } from '../db/prepared.js'
import { cancelUnsendableMail, cancelUnsendableMailOf } from './mail.js'
import { isOpen, type idempotencyKeys, type InvitationRow, type InvitationStatus } from './tables.js'

// Queries only; the rules live in service.ts. Every write that ends an invitation erases its
// address and attributes in the same statement (docs/anonymity.md), and cancels (erases) its mail that
// has not gone out yet.
const ERASED = { email: null, attributes: null }

// Every invitation of a case that had a link, answered or not: a reopened case withdraws them all
// alike, so its reply never tells whether the requester answered (docs/anonymity.md).
const WITHDRAWABLE = ['queued', 'sent', 'failed', 'answered', 'expired'] as const satisfies readonly InvitationStatus[]

// SQLite binds at most 32,766 parameters per statement; 500 rows of 13 columns stay far below.
const CHUNK = 500
function chunks<T> (items: T[]): T[][] {
  const out = []
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK))
  return out
}

export async function insertInvitations (db: DbOrTx, rows: InvitationRow[]): Promise<void> {
  const insert = insertOne(db)
  for (const row of rows) {
    await insert.execute({
      ...row,
      attributes: row.attributes === null ? null : JSON.stringify(row.attributes),
      createdAt: row.createdAt.getTime(),
      expiresAt: row.expiresAt.getTime()
    })
  }
}

// One prepared single-row INSERT run per row: building a 500-row multi-row INSERT in drizzle cost
// more than SQLite running it (a third of a batch of 10,000 invitations, BENCHMARKS.md).
// Every column, checked by the type: a column added to the table must be added here too.
const INVITATION_COLUMNS: Record<keyof InvitationRow, true> = {
  id: true,
  surveyId: true,
  channel: true,
  tokenHash: true,
  reminderTokenHash: true,
  status: true,
  locale: true,
  caseRef: true,
  email: true,
  recipientHash: true,
  attributes: true,
  createdAt: true,
  expiresAt: true,
  deliveredOn: true
}
const insertOne = preparedPerHandle(db =>
  db.insert(tables(db).invitations)
    .values(placeholdersOf<InvitationRow>(INVITATION_COLUMNS))
    .prepare())

/** Re-arms a cancelled invitation (its case was reopened and closed again) with new values. */
export async function replaceInvitation (db: DbOrTx, row: InvitationRow): Promise<void> {
  const { invitations } = tables(db)
  await db.update(invitations)
    .set(row)
    .where(and(eq(invitations.id, row.id), eq(invitations.status, 'cancelled')))
}

// The answer path's queries (a link opened, then answered), prepared once per handle.
const byId = preparedPerHandle(db => {
  const { invitations } = tables(db)
  return db
    .select()
    .from(invitations)
    .where(eq(invitations.id, sql.placeholder('id')))
    .prepare()
})
// Two single-index lookups, not one `token_hash = ? OR reminder_token_hash = ?`: SQLite runs an
// OR over two indexes as a union of rowids (a temporary b-tree), which costs more than both
// lookups, and almost every link opened is a first token.
const byTokenHash = preparedPerHandle(db => {
  const { invitations } = tables(db)
  return db
    .select()
    .from(invitations)
    .where(eq(invitations.tokenHash, sql.placeholder('hash')))
    .prepare()
})
const byReminderTokenHash = preparedPerHandle(db => {
  const { invitations } = tables(db)
  return db
    .select()
    .from(invitations)
    .where(eq(invitations.reminderTokenHash, sql.placeholder('hash')))
    .prepare()
})
const answer = preparedPerHandle(db => {
  const { invitations } = tables(db)
  return db
    .update(invitations)
    .set({ status: 'answered', ...ERASED })
    .where(
      and(
        eq(invitations.id, sql.placeholder('id')),
        or(
          eq(invitations.tokenHash, sql.placeholder('hash')),
          eq(invitations.reminderTokenHash, sql.placeholder('hash'))
        ),
        isOpen(invitations.status),
        gt(invitations.expiresAt, sql.placeholder('now'))
      )
    )
    .prepare()
})

export async function findInvitation (db: DbOrTx, id: string): Promise<InvitationRow | undefined> {
  const [row] = await byId(db).execute({ id })
  return row
}

/** The invitation a link opens: by its first token, or by its reminder's token. */
export async function findByTokenHash (db: DbOrTx, tokenHash: string): Promise<InvitationRow | undefined> {
  const [first] = await byTokenHash(db).execute({ hash: tokenHash })
  if (first !== undefined) return first
  const [reminder] = await byReminderTokenHash(db).execute({ hash: tokenHash })
  return reminder
}

export async function findByCaseRefs (db: DbOrTx, surveyId: string, caseRefs: string[]): Promise<InvitationRow[]> {
  const { invitations } = tables(db)
  const out: InvitationRow[] = []
  for (const chunk of chunks(caseRefs)) {
    out.push(...await db.select().from(invitations)
      .where(and(eq(invitations.surveyId, surveyId), inArray(invitations.caseRef, chunk))))
  }
  return out
}

/** Every invitation of this survey to these recipients, oldest first. */
export async function findByRecipients (db: DbOrTx, surveyId: string, hashes: string[]): Promise<InvitationRow[]> {
  const { invitations } = tables(db)
  const out: InvitationRow[] = []
  for (const chunk of chunks(hashes)) {
    out.push(...await db.select().from(invitations)
      .where(and(eq(invitations.surveyId, surveyId), inArray(invitations.recipientHash, chunk)))
      .orderBy(invitations.createdAt, invitations.id))
  }
  return out
}

export async function optedOutAmong (db: DbOrTx, hashes: string[]): Promise<string[]> {
  const { optOuts } = tables(db)
  const out: string[] = []
  for (const chunk of chunks(hashes)) {
    const rows = await db.select({ hash: optOuts.recipientHash }).from(optOuts)
      .where(inArray(optOuts.recipientHash, chunk))
    out.push(...rows.map(r => r.hash))
  }
  return out
}

/**
 * Marks an open, unexpired invitation answered through one of its links and erases what
 * identified its recipient, in one conditional statement: of any number of concurrent submits,
 * exactly one changes the row, and none through a link the invitation no longer has (a case
 * reopened and closed again is armed anew with a new link, on the same row). `mailed`: whether
 * the invitation may have mail waiting (an e-mail invitation); a link invitation never has any
 * (no address, no reminder), so its answer skips the outbox.
 */
export async function markAnswered (
  db: DbOrTx, id: string, tokenHash: string, now: Date, mailed: boolean
): Promise<boolean> {
  if (changed(await answer(db).execute({ id, hash: tokenHash, now: now.getTime() })) !== 1) return false
  if (mailed) await cancelUnsendableMailOf(db, id)
  return true
}

/** Ends every open invitation whose link has expired by `now`; returns how many. */
export async function expireDue (db: DbOrTx, now: Date, id?: string): Promise<number> {
  const { invitations } = tables(db)
  const expired = changed(await db
    .update(invitations)
    .set({ status: 'expired', ...ERASED })
    .where(
      and(
        isOpen(invitations.status),
        lte(invitations.expiresAt, now),
        id === undefined ? undefined : eq(invitations.id, id)
      )
    ))
  if (expired > 0) await cancelUnsendableMail(db, { now })
  return expired
}

/** Cancels the open invitations of a case (it was reopened); returns them. */
export async function cancelByCaseRef (
  db: DbOrTx, caseRef: string, surveyIds: string[] | undefined
): Promise<InvitationRow[]> {
  const { invitations } = tables(db)
  const cancelled = await db
    .update(invitations)
    .set({ status: 'cancelled', ...ERASED })
    .where(
      and(
        eq(invitations.caseRef, caseRef),
        inArray(invitations.status, WITHDRAWABLE),
        surveyIds === undefined ? undefined : inArray(invitations.surveyId, surveyIds)
      )
    )
    .returning()
  await cancelUnsendableMail(db, { invitationIds: cancelled.map(r => r.id) })
  return cancelled
}

/** A survey closed: its open invitations end and every address and attribute set of it goes. */
export async function endSurveyInvitations (db: DbOrTx, surveyId: string): Promise<void> {
  const { invitations } = tables(db)
  await db.update(invitations)
    .set({ status: 'expired' })
    .where(and(eq(invitations.surveyId, surveyId), isOpen(invitations.status)))
  await db.update(invitations).set(ERASED).where(eq(invitations.surveyId, surveyId))
  await cancelUnsendableMail(db)
}

/** Records an opt-out (the unsubscribe routes call this); repeating it changes nothing. */
export async function addOptOut (db: DbOrTx, recipientHash: string, day: string): Promise<void> {
  const { optOuts } = tables(db)
  await db.insert(optOuts).values({ recipientHash, createdOn: day }).onConflictDoNothing()
}

/**
 * After an opt-out: this person's invitations whose mail has not gone out end as `opted_out`,
 * every address of theirs goes (no survey mail will need it again), and so does their mail
 * still waiting in the outbox.
 */
export async function endForOptOut (db: DbOrTx, recipientHash: string): Promise<void> {
  const { invitations } = tables(db)
  await db.update(invitations)
    .set({ status: 'opted_out', ...ERASED })
    .where(and(eq(invitations.recipientHash, recipientHash), eq(invitations.status, 'queued')))
  await db.update(invitations).set({ email: null }).where(eq(invitations.recipientHash, recipientHash))
  await cancelUnsendableMail(db)
}

export async function findIdempotencyKey (
  db: DbOrTx,
  keyHash: string,
  notBefore: Date
): Promise<typeof idempotencyKeys.$inferSelect | undefined> {
  const { idempotencyKeys } = tables(db)
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.keyHash, keyHash), gte(idempotencyKeys.createdAt, notBefore)))
  return row
}

export async function saveIdempotencyKey (db: DbOrTx, row: typeof idempotencyKeys.$inferInsert): Promise<void> {
  const { idempotencyKeys } = tables(db)
  await db.insert(idempotencyKeys)
    .values(row)
    .onConflictDoUpdate({
      target: idempotencyKeys.keyHash,
      set: { fingerprint: row.fingerprint, statusCode: row.statusCode, body: row.body, createdAt: row.createdAt }
    })
}

export async function deleteIdempotencyKeysBefore (db: DbOrTx, before: Date): Promise<number> {
  const { idempotencyKeys } = tables(db)
  return changed(await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)))
}
