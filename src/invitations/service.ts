import { coarsenToDay } from '../responses/coarsen.js'
import type { DbOrTx, Tx } from '../db/client.js'
import { ConflictError } from '../errors.js'
import { newId } from '../ids.js'
import type { SurveyRow } from '../surveys/tables.js'
import { IDEMPOTENCY_TTL_MS } from './idempotency.js'
import * as repo from './repository.js'
import type { BatchResult, Invitation, InvitationInput, InvitationResult, Outcome } from './schemas.js'
import { OUTCOMES } from './schemas.js'
import { newToken, recipientHash } from './secrets.js'
import type { InvitationRow } from './tables.js'

const DAY_MS = 86_400_000

export interface InviteContext {
  /** The HMAC key (PULS_SECRET). */
  secret: Buffer
  publicUrl: string
  now: Date
}

export function toInvitation (row: InvitationRow): Invitation {
  return {
    id: row.id,
    survey_id: row.surveyId,
    channel: row.channel,
    status: row.status,
    locale: row.locale,
    case_ref: row.caseRef,
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
    delivered_on: row.deliveredOn
  }
}

export function surveyUrl (publicUrl: string, token: string): string {
  return `${publicUrl}/s/${token}`
}

export function assertOpenSurvey (survey: SurveyRow): void {
  if (survey.status === 'closed') {
    throw new ConflictError('survey_closed', `survey ${survey.id} is closed and takes no invitations`)
  }
}

/**
 * Whether this recipient may be asked now (SPEC §1, §2.3), judged by the keyed hash only:
 * opted out; for relationship surveys, asked before (one invitation per person and survey);
 * otherwise asked within the survey's throttle_days.
 */
function judgeRecipient (tx: DbOrTx, survey: SurveyRow, hash: string, now: Date, exceptId: string | null): 'ok' | 'opted_out' | 'throttled' | InvitationRow {
  if (repo.isOptedOut(tx, hash)) return 'opted_out'
  if (survey.kind === 'relationship') return repo.findForRecipient(tx, survey.id, hash, exceptId) ?? 'ok'
  if (survey.throttleDays > 0 && repo.invitedSince(tx, survey.id, hash, new Date(now.getTime() - survey.throttleDays * DAY_MS), exceptId)) {
    return 'throttled'
  }
  return 'ok'
}

/**
 * One invitation, inside the caller's transaction. The same case_ref answers the first
 * invitation (`duplicate`) and sends nothing new, except that a cancelled one (its case was
 * reopened) is armed again when the case closes again: still one invitation per case.
 */
export function invite (tx: Tx, ctx: InviteContext, survey: SurveyRow, input: InvitationInput): InvitationResult {
  const { now } = ctx
  const existing = input.case_ref === undefined ? undefined : repo.findByCaseRef(tx, survey.id, input.case_ref)
  if (existing !== undefined && existing.status !== 'cancelled') {
    return { status: 'duplicate', invitation: toInvitation(existing) }
  }
  const hash = input.email === undefined ? null : recipientHash(ctx.secret, input.email)
  const verdict = hash === null ? 'ok' : judgeRecipient(tx, survey, hash, now, existing?.id ?? null)
  if (typeof verdict === 'object') return { status: 'duplicate', invitation: toInvitation(verdict) }

  const base = {
    channel: input.channel,
    locale: input.locale ?? null,
    recipientHash: hash,
    createdAt: now,
    expiresAt: new Date(now.getTime() + survey.linkTtlDays * DAY_MS)
  }
  let row
  let token: string | undefined
  if (verdict !== 'ok') {
    // Never deliverable: no token, no address, no attributes; kept so a retry answers the same.
    row = { ...base, status: verdict, tokenHash: null, email: null, attributes: null, deliveredOn: null }
  } else {
    const t = newToken()
    token = t.token
    const isLink = input.channel === 'link'
    row = {
      ...base,
      status: isLink ? 'sent' as const : 'queued' as const,
      tokenHash: t.hash,
      // A link is handed out by the caller, so Puls never needs its recipient's address.
      email: isLink ? null : input.email ?? null,
      attributes: input.attributes ?? {},
      deliveredOn: isLink ? coarsenToDay(now) : null
    }
  }
  const saved = existing === undefined
    ? repo.insertInvitation(tx, { id: newId('inv'), surveyId: survey.id, caseRef: input.case_ref ?? null, ...row })
    : repo.replaceInvitation(tx, existing.id, row)
  return {
    status: row.status,
    invitation: toInvitation(saved),
    ...(token !== undefined && saved.channel === 'link' ? { url: surveyUrl(ctx.publicUrl, token) } : {})
  }
}

/** Many invitations in the caller's one transaction: all are stored, or (on any error) none. */
export function inviteMany (tx: Tx, ctx: InviteContext, survey: SurveyRow, inputs: InvitationInput[]): BatchResult {
  const counts = Object.fromEntries(OUTCOMES.map(o => [o, 0])) as Record<Outcome, number>
  const items = inputs.map(input => {
    const r = invite(tx, ctx, survey, input)
    counts[r.status]++
    return { id: r.invitation.id, status: r.status, ...(r.url === undefined ? {} : { url: r.url }) }
  })
  return { counts, items }
}

/** A reopened case: its unanswered invitations are cancelled (their links answer 410). */
export function cancelCase (tx: Tx, caseRef: string, surveyIds: string[] | undefined): Invitation[] {
  return repo.cancelOpenByCaseRef(tx, caseRef, surveyIds).map(toInvitation)
}

/**
 * The periodic sweep a worker runs (any interval; links are also expired when opened): ends
 * invitations whose links expired, erasing their addresses, and forgets old idempotency keys.
 */
export function sweep (db: DbOrTx, now: Date): { expired: number, idempotencyKeys: number } {
  return {
    expired: repo.expireDue(db, now),
    idempotencyKeys: repo.deleteIdempotencyKeysBefore(db, new Date(now.getTime() - IDEMPOTENCY_TTL_MS))
  }
}
