import { coarsenToDay } from '../responses/coarsen.js'
import { truncateWal, type Db, type DbOrTx, type Tx } from '../db/client.js'
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
  /**
   * Queues the e-mail invitations' mail in the same transaction (`InvitationMail.queue`,
   * ./mail-plugin.ts): a token's plain text exists only now, so each mail is rendered now.
   */
  mail: (tx: Tx, survey: SurveyRow, invitations: Array<{ invitation: InvitationRow; token: string }>) => Promise<void>
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

/** The first invitation, as a `duplicate` answer shows it: without its status (docs/anonymity.md). */
function duplicateOf (row: InvitationRow): InvitationResult {
  const { status: _answeredOrNot, ...invitation } = toInvitation(row)
  return { status: 'duplicate', invitation }
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
 * What the rules need to know about earlier invitations of one survey, loaded once for a whole
 * request (three IN-queries per 500 items, not three queries per item) and kept current as the
 * request adds invitations, so that repeats inside one batch are judged like repeats across calls.
 */
class Earlier {
  private readonly byCaseRef = new Map<string, InvitationRow>()
  private readonly byRecipient = new Map<string, InvitationRow[]>()
  private optedOut = new Set<string>()

  /** Loads what the rules need about earlier invitations of these case refs and recipients. */
  static async load (tx: DbOrTx, surveyId: string, caseRefs: string[], hashes: string[]): Promise<Earlier> {
    const earlier = new Earlier()
    for (const row of await repo.findByCaseRefs(tx, surveyId, [...new Set(caseRefs)])) {
      earlier.byCaseRef.set(row.caseRef!, row)
    }
    for (const row of await repo.findByRecipients(tx, surveyId, [...new Set(hashes)])) earlier.addToRecipient(row)
    earlier.optedOut = new Set(await repo.optedOutAmong(tx, [...new Set(hashes)]))
    return earlier
  }

  caseRef (caseRef: string | undefined): InvitationRow | undefined {
    return caseRef === undefined ? undefined : this.byCaseRef.get(caseRef)
  }

  /**
   * Whether this recipient may be asked now (docs/anonymity.md), judged by the keyed hash only: not
   * if opted out; for relationship surveys, once per person and survey (the earlier invitation
   * is answered as the duplicate); otherwise not twice within the survey's throttle_days.
   */
  judge (
    survey: SurveyRow,
    hash: string,
    now: Date,
    exceptId: string | undefined
  ): 'ok' | 'opted_out' | 'throttled' | InvitationRow {
    if (this.optedOut.has(hash)) return 'opted_out'
    const earlier = (this.byRecipient.get(hash) ?? []).filter(r => r.id !== exceptId)
    if (survey.kind === 'relationship') return earlier[0] ?? 'ok'
    const since = now.getTime() - survey.throttleDays * DAY_MS
    if (survey.throttleDays > 0 && earlier.some(r => r.tokenHash !== null && r.createdAt.getTime() >= since)) {
      return 'throttled'
    }
    return 'ok'
  }

  /** Adds a new invitation, or one that replaced `previous` (a re-armed case). */
  remember (row: InvitationRow, previous: InvitationRow | undefined): void {
    if (row.caseRef !== null) this.byCaseRef.set(row.caseRef, row)
    if (previous?.recipientHash != null) {
      this.byRecipient.set(
        previous.recipientHash,
        this.byRecipient.get(previous.recipientHash)!.filter(r => r.id !== previous.id)
      )
    }
    this.addToRecipient(row)
  }

  private addToRecipient (row: InvitationRow): void {
    if (row.recipientHash === null) return
    const list = this.byRecipient.get(row.recipientHash) ?? []
    list.push(row)
    this.byRecipient.set(row.recipientHash, list)
  }
}

/**
 * Invitations to one survey, in the caller's transaction: all are stored, or (on any error)
 * none. The same case_ref answers the first invitation (`duplicate`) and sends nothing new,
 * except that a cancelled one (its case was reopened) is armed again when the case closes
 * again, whether or not it had been answered: still one invitation per case.
 */
export async function inviteMany (
  tx: Tx,
  ctx: InviteContext,
  survey: SurveyRow,
  inputs: InvitationInput[]
): Promise<InvitationResult[]> {
  const { now } = ctx
  const hashes = inputs.map(i => (i.email === undefined ? null : recipientHash(ctx.secret, i.email)))
  const earlier = await Earlier.load(
    tx,
    survey.id,
    inputs.flatMap(i => i.case_ref ?? []),
    hashes.filter(h => h !== null)
  )
  const fresh: InvitationRow[] = []
  const mails: Array<{ invitation: InvitationRow; token: string }> = []
  const results: InvitationResult[] = []
  // One at a time, in order: a re-armed case is written before the next input is judged.
  for (const [i, input] of inputs.entries()) results.push(await inviteOne(input, hashes[i] ?? null))
  await repo.insertInvitations(tx, fresh)
  // After the insert: each mail refers to its invitation.
  await ctx.mail(tx, survey, mails)
  return results

  async function inviteOne (input: InvitationInput, hash: string | null): Promise<InvitationResult> {
    const existing = earlier.caseRef(input.case_ref)
    if (existing !== undefined && existing.status !== 'cancelled') return duplicateOf(existing)
    const verdict = hash === null ? 'ok' : earlier.judge(survey, hash, now, existing?.id)
    if (typeof verdict === 'object') return duplicateOf(verdict)

    const isLink = input.channel === 'link'
    const token = verdict === 'ok' ? newToken() : undefined
    const row: InvitationRow = {
      id: existing?.id ?? newId('inv'),
      surveyId: survey.id,
      caseRef: input.case_ref ?? null,
      channel: input.channel,
      locale: input.locale ?? null,
      recipientHash: hash,
      createdAt: now,
      expiresAt: new Date(now.getTime() + survey.linkTtlDays * DAY_MS),
      // A re-armed case starts afresh: a new link, and a reminder of its own later.
      reminderTokenHash: null,
      // Never deliverable without a token: no address, no attributes; kept so a retry answers the same.
      ...(token === undefined
        ? {
            status: verdict as 'opted_out' | 'throttled',
            tokenHash: null,
            email: null,
            attributes: null,
            deliveredOn: null
          }
        : {
            status: isLink ? 'sent' : 'queued',
            tokenHash: token.hash,
            // A link is handed out by the caller, so Puls never needs its recipient's address.
            email: isLink ? null : (input.email ?? null),
            attributes: input.attributes ?? {},
            deliveredOn: isLink ? coarsenToDay(now) : null
          })
    }
    if (existing === undefined) fresh.push(row)
    else await repo.replaceInvitation(tx, row)
    earlier.remember(row, existing)
    if (token !== undefined && row.channel === 'email') mails.push({ invitation: row, token: token.token })
    return {
      status: row.status as Outcome,
      invitation: toInvitation(row),
      ...(token !== undefined && isLink ? { url: surveyUrl(ctx.publicUrl, token.token) } : {})
    }
  }
}

export async function invite (
  tx: Tx, ctx: InviteContext, survey: SurveyRow, input: InvitationInput
): Promise<InvitationResult> {
  return (await inviteMany(tx, ctx, survey, [input]))[0]!
}

/** A batch's answer: the outcomes counted, and one item per input, in order. */
export function summarise (results: InvitationResult[]): BatchResult {
  const counts = Object.fromEntries(OUTCOMES.map(o => [o, 0])) as Record<Outcome, number>
  for (const r of results) counts[r.status]++
  return {
    counts,
    items: results.map(r => ({ id: r.invitation.id, status: r.status, ...(r.url === undefined ? {} : { url: r.url }) }))
  }
}

/** Opts this person out of all survey mail (docs/mail.md), by the keyed hash of their address. */
export async function optOut (tx: Tx, recipientHash: string, now: Date): Promise<void> {
  await repo.addOptOut(tx, recipientHash, coarsenToDay(now))
  await repo.endForOptOut(tx, recipientHash)
}

/**
 * A reopened case: its invitations are withdrawn (their links answer 410), answered ones too, so that
 * neither this reply nor the next close tells whether the requester answered (docs/anonymity.md).
 */
export async function cancelCase (tx: Tx, caseRef: string, surveyIds: string[] | undefined): Promise<Invitation[]> {
  return (await repo.cancelByCaseRef(tx, caseRef, surveyIds)).map(toInvitation)
}

/**
 * The periodic sweep a worker runs (any interval; links are also expired when opened): ends
 * invitations whose links expired, erasing their addresses, forgets old idempotency keys, and
 * empties the write-ahead log, which still holds what was erased since the last sweep.
 */
export async function sweep (db: Db, now: Date): Promise<{ expired: number; idempotencyKeys: number }> {
  const result = {
    expired: await repo.expireDue(db, now),
    idempotencyKeys: await repo.deleteIdempotencyKeysBefore(db, new Date(now.getTime() - IDEMPOTENCY_TTL_MS))
  }
  await truncateWal(db)
  return result
}
