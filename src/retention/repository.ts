import { and, eq, inArray, isNotNull, lt, lte, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { changed, jsonWithout, tables, type Tables } from '../db/dialect.js'
import type { InvitationStatus } from '../invitations/tables.js'
import { recountMonth } from '../results/storage/rollup.js'

// Queries only; what may go when is decided in service.ts.

/** Statuses in which an invitation has ended: its link takes no answer any more. */
export const ENDED_STATUSES = [
  'answered',
  'expired',
  'cancelled',
  'throttled',
  'opted_out'
] as const satisfies readonly InvitationStatus[]

export async function surveyIds (db: DbOrTx): Promise<string[]> {
  const { surveys } = tables(db)
  const rows = await db
    .select({ id: surveys.id })
    .from(surveys)
    .orderBy(surveys.id)
  return rows.map(r => r.id)
}

/** A survey's ended invitations whose link expired at or before `expiredBy`. */
function endedBy ({ invitations }: Tables, surveyId: string, expiredBy: Date): SQL {
  return and(
    eq(invitations.surveyId, surveyId),
    inArray(invitations.status, ENDED_STATUSES),
    lte(invitations.expiresAt, expiredBy)
  )!
}

/**
 * Deletes those invitations and their mail's outbox rows, first adding the delivered ones to
 * `delivered_counts` per day, so the response rate of days whose answers are kept does not change.
 * Returns how many invitations were deleted.
 */
export async function purgeEndedInvitations (db: DbOrTx, surveyId: string, expiredBy: Date): Promise<number> {
  const { deliveredCounts, invitations, outbox } = tables(db)
  const where = endedBy(tables(db), surveyId, expiredBy)
  const delivered = await db
    .select({ day: invitations.deliveredOn, n: sql<number>`count(*)` })
    .from(invitations)
    .where(and(where, isNotNull(invitations.deliveredOn)))
    .groupBy(invitations.deliveredOn)
  for (const { day, n } of delivered) {
    await db.insert(deliveredCounts)
      .values({ surveyId, day: day!, n })
      .onConflictDoUpdate({
        target: [deliveredCounts.surveyId, deliveredCounts.day],
        set: { n: sql`${deliveredCounts.n} + excluded.n` }
      })
  }
  // Their mail's delivery records go with them (already erased and settled: an ended invitation's
  // waiting mail is cancelled when it ends).
  await db.delete(outbox)
    .where(inArray(outbox.invitationId, db.select({ id: invitations.id }).from(invitations).where(where)))
  return changed(await db.delete(invitations).where(where))
}

/**
 * Deletes a survey's answers of days before `day`, with everything counted from them: their rows
 * in the results rollups (kept per day, so whole days go and every other count stays exact; the
 * per-month distributions of `day`'s own month are counted again from the answers that stay) and
 * the delivered counts of those days.
 */
export async function deleteAnswersBefore (db: DbOrTx, surveyId: string, day: string): Promise<number> {
  const {
    collectorClientDays: clientDays, collectorClients, deliveredCounts, responseCombos, responseComboScores,
    responseCounts, responseItemCounts, responses, surveys
  } = tables(db)
  await db.delete(responseCounts)
    .where(and(eq(responseCounts.surveyId, surveyId), lt(responseCounts.day, day)))
  await db.delete(responseCombos)
    .where(and(eq(responseCombos.surveyId, surveyId), lt(responseCombos.day, day)))
  await db.delete(deliveredCounts)
    .where(and(eq(deliveredCounts.surveyId, surveyId), lt(deliveredCounts.day, day)))
  await db.delete(clientDays)
    .where(and(eq(clientDays.surveyId, surveyId), lt(clientDays.day, day)))
  await db.delete(collectorClients)
    .where(and(eq(collectorClients.surveyId, surveyId), lt(collectorClients.day, day)))
  const deleted = changed(await db
    .delete(responses)
    .where(and(eq(responses.surveyId, surveyId), lt(responses.day, day))))
  const month = day.slice(0, 7)
  await db.delete(responseComboScores)
    .where(and(eq(responseComboScores.surveyId, surveyId), lte(responseComboScores.month, month)))
  await db.delete(responseItemCounts)
    .where(and(eq(responseItemCounts.surveyId, surveyId), lte(responseItemCounts.month, month)))
  // The month of `day` counted again from the answers that stay, item values included.
  const [survey] = await db.select({ items: surveys.items }).from(surveys).where(eq(surveys.id, surveyId))
  await recountMonth(db, surveyId, month, survey?.items ?? [])
  return deleted
}

/**
 * Drops the comments of a survey's answers of days before `day`, and the answers to its text items
 * (`textKeys`), which follow the comment's rules; the scores and the other items stay.
 */
export async function dropCommentsBefore (
  db: DbOrTx, surveyId: string, day: string, textKeys: string[] = []
): Promise<number> {
  const { responses } = tables(db)
  const dropped = changed(await db
    .update(responses)
    .set({ comment: null })
    .where(and(eq(responses.surveyId, surveyId), lt(responses.day, day), isNotNull(responses.comment))))
  if (textKeys.length > 0) {
    await db.update(responses)
      .set({ items: jsonWithout(db, sql`${responses.items}`, textKeys) })
      .where(and(eq(responses.surveyId, surveyId), lt(responses.day, day), isNotNull(responses.items)))
  }
  return dropped
}
