import { and, eq, gt, gte, inArray, isNotNull, lt, lte, ne } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import {
  idempotencyKeys, invitations, OPEN_STATUSES, optOuts,
  type InvitationRow, type NewInvitationRow
} from './tables.js'

// Queries only; the rules live in service.ts. Every write that ends an invitation erases its
// address and attributes in the same statement (SPEC §2.3).
const ERASED = { email: null, attributes: null }

export function insertInvitation (db: DbOrTx, row: NewInvitationRow): InvitationRow {
  return db.insert(invitations).values(row).returning().get()
}

/** Re-arms a cancelled invitation (its case was reopened and closed again) with new values. */
export function replaceInvitation (db: DbOrTx, id: string, row: Omit<NewInvitationRow, 'id' | 'surveyId' | 'caseRef'>): InvitationRow {
  return db.update(invitations).set(row).where(and(eq(invitations.id, id), eq(invitations.status, 'cancelled'))).returning().get()!
}

export function findInvitation (db: DbOrTx, id: string): InvitationRow | undefined {
  return db.select().from(invitations).where(eq(invitations.id, id)).get()
}

export function findByTokenHash (db: DbOrTx, tokenHash: string): InvitationRow | undefined {
  return db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).get()
}

export function findByCaseRef (db: DbOrTx, surveyId: string, caseRef: string): InvitationRow | undefined {
  return db.select().from(invitations).where(and(eq(invitations.surveyId, surveyId), eq(invitations.caseRef, caseRef))).get()
}

/** The first invitation of this survey to this recipient, other than `exceptId`. */
export function findForRecipient (db: DbOrTx, surveyId: string, recipientHash: string, exceptId: string | null): InvitationRow | undefined {
  return db.select().from(invitations)
    .where(and(
      eq(invitations.recipientHash, recipientHash), eq(invitations.surveyId, surveyId),
      exceptId === null ? undefined : ne(invitations.id, exceptId)
    ))
    .orderBy(invitations.createdAt).limit(1).get()
}

/** Whether this recipient got a deliverable invitation of this survey since `since`. */
export function invitedSince (db: DbOrTx, surveyId: string, recipientHash: string, since: Date, exceptId: string | null): boolean {
  return db.select({ id: invitations.id }).from(invitations)
    .where(and(
      eq(invitations.recipientHash, recipientHash), eq(invitations.surveyId, surveyId), gte(invitations.createdAt, since),
      isNotNull(invitations.tokenHash),
      exceptId === null ? undefined : ne(invitations.id, exceptId)
    ))
    .limit(1).get() !== undefined
}

/**
 * Marks an open, unexpired invitation answered and erases what identified its recipient, in one
 * conditional statement: of any number of concurrent submits, exactly one changes the row.
 */
export function markAnswered (db: DbOrTx, id: string, now: Date): boolean {
  const result = db.update(invitations).set({ status: 'answered', ...ERASED })
    .where(and(eq(invitations.id, id), inArray(invitations.status, OPEN_STATUSES), gt(invitations.expiresAt, now)))
    .run()
  return result.changes === 1
}

/** Ends every open invitation whose link has expired by `now`; returns how many. */
export function expireDue (db: DbOrTx, now: Date, id?: string): number {
  return db.update(invitations).set({ status: 'expired', ...ERASED })
    .where(and(inArray(invitations.status, OPEN_STATUSES), lte(invitations.expiresAt, now), id === undefined ? undefined : eq(invitations.id, id)))
    .run().changes
}

/** Cancels the open invitations of a case (it was reopened); returns them. */
export function cancelOpenByCaseRef (db: DbOrTx, caseRef: string, surveyIds: string[] | undefined): InvitationRow[] {
  return db.update(invitations).set({ status: 'cancelled', ...ERASED })
    .where(and(
      eq(invitations.caseRef, caseRef), inArray(invitations.status, OPEN_STATUSES),
      surveyIds === undefined ? undefined : inArray(invitations.surveyId, surveyIds)
    ))
    .returning().all()
}

/** A survey closed: its open invitations end and every address and attribute set of it goes. */
export function endSurveyInvitations (db: DbOrTx, surveyId: string): void {
  db.update(invitations).set({ status: 'expired' })
    .where(and(eq(invitations.surveyId, surveyId), inArray(invitations.status, OPEN_STATUSES))).run()
  db.update(invitations).set(ERASED).where(eq(invitations.surveyId, surveyId)).run()
}

export function isOptedOut (db: DbOrTx, recipientHash: string): boolean {
  return db.select().from(optOuts).where(eq(optOuts.recipientHash, recipientHash)).get() !== undefined
}

/** Records an opt-out (the unsubscribe routes call this); repeating it changes nothing. */
export function addOptOut (db: DbOrTx, recipientHash: string, day: string): void {
  db.insert(optOuts).values({ recipientHash, createdOn: day }).onConflictDoNothing().run()
}

export function findIdempotencyKey (db: DbOrTx, keyHash: string, notBefore: Date): typeof idempotencyKeys.$inferSelect | undefined {
  return db.select().from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.keyHash, keyHash), gte(idempotencyKeys.createdAt, notBefore))).get()
}

export function saveIdempotencyKey (db: DbOrTx, row: typeof idempotencyKeys.$inferInsert): void {
  db.insert(idempotencyKeys).values(row)
    .onConflictDoUpdate({ target: idempotencyKeys.keyHash, set: { fingerprint: row.fingerprint, statusCode: row.statusCode, body: row.body, createdAt: row.createdAt } })
    .run()
}

export function deleteIdempotencyKeysBefore (db: DbOrTx, before: Date): number {
  return db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).run().changes
}
