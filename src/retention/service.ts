import { setImmediate as nextTurn } from 'node:timers/promises'
import { truncateWal, type DbHandle, type DbOrTx } from '../db/client.js'
import { coarsenToDay } from '../responses/coarsen.js'
import { answeredDays, commentedDays } from '../results/storage/repository.js'
import { findSurvey } from '../surveys/repository.js'
import type { SurveyRow } from '../surveys/tables.js'
import { retentionCut } from './cut.js'
import * as repo from './repository.js'

const DAY_MS = 86_400_000

/** The service's defaults (RETAIN_DAYS, COMMENT_RETAIN_DAYS) for surveys that set none. */
export interface RetentionDefaults {
  retainDays: number | undefined
  commentRetainDays: number | undefined
}

export interface PurgeResult {
  /** Answers deleted. */
  responses: number
  /** Comments dropped from answers that stay. */
  comments: number
  /** Ended invitations deleted. */
  invitations: number
}

/** The first day whose answers a retention of `days` keeps at `now`; answers of earlier days go. */
export function keptFrom (now: Date, days: number): string {
  return coarsenToDay(new Date(now.getTime() - days * DAY_MS))
}

/**
 * Until when an ended invitation is still needed, and by what:
 * - throttling (docs/api.md) counts a person's invitations created within the survey's throttle_days,
 *   so one must stay until throttle_days after it was made; kept until its link's expiry plus
 *   throttle_days, which is later (a link lives at least a day);
 * - while its link could still be opened, it tells the respondent why the link takes no answer
 *   (already answered, withdrawn, closed: 409/410) rather than "unknown link";
 * - a relationship survey asks each person once for as long as it runs, so its invitations stay
 *   until the survey is closed (else a second run of the same list would ask them again).
 * Its delivery is counted in `delivered_counts` before it goes, for the response rate.
 * Returns the expiry at or before which this survey's ended invitations may go, or null for none.
 */
export function invitationsExpiredBy (survey: SurveyRow, now: Date): Date | null {
  if (survey.kind === 'relationship' && survey.status !== 'closed') return null
  return new Date(now.getTime() - survey.throttleDays * DAY_MS)
}

/** One survey's purge, in the caller's transaction. */
export async function purgeSurvey (
  tx: DbOrTx, survey: SurveyRow, now: Date, defaults: RetentionDefaults
): Promise<PurgeResult> {
  const result: PurgeResult = { responses: 0, comments: 0, invitations: 0 }
  // Invitations first: their delivered counts are then trimmed with the answers of the same days.
  const expiredBy = invitationsExpiredBy(survey, now)
  if (expiredBy !== null) result.invitations = await repo.purgeEndedInvitations(tx, survey.id, expiredBy)
  const retainDays = survey.retainDays ?? defaults.retainDays
  if (retainDays !== undefined) {
    // In whole release blocks, so that results of the answers that stay never change (cut.ts).
    const mins = [survey.minGroupSize, survey.minCommentGroupSize]
    const cut = retentionCut(
      await answeredDays(tx, survey.id),
      mins,
      keptFrom(now, retainDays),
      coarsenToDay(now),
      await commentedDays(tx, survey.id)
    )
    result.responses = await repo.deleteAnswersBefore(tx, survey.id, cut)
  }
  const commentDays = survey.commentRetainDays ?? defaults.commentRetainDays
  if (commentDays !== undefined && (retainDays === undefined || commentDays < retainDays)) {
    const textKeys = survey.items.filter(item => item.type === 'text').map(item => item.key)
    result.comments = await repo.dropCommentsBefore(tx, survey.id, keptFrom(now, commentDays), textKeys)
  }
  return result
}

/**
 * Retention (README, "Retention"): per survey, deletes answers older than its retain_days (else
 * RETAIN_DAYS) in whole release blocks, drops comments older than its comment_retain_days (else
 * COMMENT_RETAIN_DAYS), and deletes ended invitations no longer needed (see invitationsExpiredBy).
 * Each survey in its own IMMEDIATE transaction, so its answers and everything counted from them change together; the
 * event loop gets a turn between surveys. Finally empties the write-ahead log, which would still
 * hold the deleted pages.
 */
export async function purge (store: DbHandle, now: Date, defaults: RetentionDefaults): Promise<PurgeResult> {
  const { db } = store
  const total: PurgeResult = { responses: 0, comments: 0, invitations: 0 }
  for (const id of await repo.surveyIds(db)) {
    const done = await store.transaction(async tx => {
      const survey = await findSurvey(tx, id)
      return survey === undefined ? undefined : await purgeSurvey(tx, survey, now, defaults)
    })
    if (done !== undefined) for (const key of Object.keys(total) as Array<keyof PurgeResult>) total[key] += done[key]
    await nextTurn()
  }
  await truncateWal(db)
  return total
}
