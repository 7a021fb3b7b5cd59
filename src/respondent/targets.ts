import { claimCollectorAnswer, findCollectorLink } from '../collectors/target.js'
import type { DbOrTx } from '../db/client.js'
import { ConflictError, GoneError, NotFoundError } from '../errors.js'
import { negotiateLocale } from '../i18n/negotiate.js'
import * as invitations from '../invitations/repository.js'
import type { InvitationRow } from '../invitations/tables.js'
import type { Locale } from '../schemas.js'
import { findSurvey } from '../surveys/repository.js'
import type { SurveyRow } from '../surveys/tables.js'

/** Why a target can take no answer; each is a friendly page (docs/api.md). */
export type ClosedReason = 'already_answered' | 'expired' | 'closed' | 'cancelled' | 'retired'

/**
 * Whatever a `/s/<token>` link answers: an invitation (single use) or a collector (multi-use QR
 * link). The page and the submit flow only ever see this.
 */
export interface AnswerTarget {
  survey: SurveyRow
  /** The target's own language, or null to negotiate from the browser and the survey default. */
  locale: Locale | null
  /** The language when the browser asks for none of ours; default: the survey's default_locale. */
  fallbackLocale?: Locale
  channel: 'email' | 'link' | 'collector'
  /** Whether one link takes many answers (collectors); a single-use link takes one. */
  multiUse: boolean
  /**
   * A multi-use link's abuse limits, checked by the submit route before it stores an answer: the
   * per-client submit limit, and `cooldownSeconds` one browser waits between two answers (0: no
   * wait). Absent for single-use links, which a token already limits to one answer.
   */
  submitLimits?: { cooldownSeconds: number }
  /** null while the target can take an answer. */
  closedReason: ClosedReason | null
  /**
   * Inside the IMMEDIATE transaction that stores the answer (a group commit's, with the answers
   * that arrived together, each in its own savepoint): claims the target for it and returns the
   * attributes the response keeps. Throws 409/410 if it can no longer take one, also when
   * another request claimed it a moment ago, or an earlier answer of the same batch did.
   * `answer` says who answered (a keyed hash of the client address) and whether with a comment:
   * collectors count their answers by client (docs/anonymity.md, padding).
   */
  consume: (tx: DbOrTx, now: Date, answer: AnswerSource) => Promise<Record<string, string>>
}

/** Who answered, as far as release rules need to know: src/collectors/clients.ts. */
export interface AnswerSource {
  /**
   * The client's address under an HMAC with the server secret; never the address. A function:
   * only collectors that count clients need it, so link answers skip the HMAC.
   */
  client: () => string
  commented: boolean
}

/** Finds the target of a token hash, or undefined if this kind of target does not know it. */
export type TargetResolver = (db: DbOrTx, tokenHash: string, now: Date) => Promise<AnswerTarget | undefined>

/**
 * The language of a target's pages and of its answers: the target's own, else the browser's,
 * else the collector's or the survey's default (English while no target is known).
 */
export function targetLocale (target: AnswerTarget | undefined, acceptLanguage: string | undefined): Locale {
  const fallback = target?.fallbackLocale ?? target?.survey.defaultLocale ?? 'en'
  return negotiateLocale(target?.locale, acceptLanguage, fallback)
}

export function closedError (reason: ClosedReason): ConflictError | GoneError {
  switch (reason) {
    case 'already_answered':
      return new ConflictError('already_answered', 'this link has already been used to answer')
    case 'expired': return new GoneError('link_expired', 'this link has expired')
    case 'closed': return new GoneError('survey_closed', 'this survey has closed')
    case 'cancelled': return new GoneError('invitation_cancelled', 'this invitation was withdrawn')
    case 'retired': return new GoneError('collector_closed', 'this collector no longer takes answers')
  }
}

function invitationReason (row: InvitationRow, survey: SurveyRow, now: Date): ClosedReason | null {
  if (survey.status === 'closed') return 'closed'
  switch (row.status) {
    case 'answered': return 'already_answered'
    case 'cancelled': return 'cancelled'
    case 'queued': case 'sent': case 'failed':
      return row.expiresAt.getTime() <= now.getTime() ? 'expired' : null
    default: return 'expired'
  }
}

/**
 * An invitation's link. Expiry is applied when the link is opened (as well as by the sweep):
 * an expired invitation is ended and its address erased right there.
 */
export const invitationTarget: TargetResolver = async (db, tokenHash, now) => {
  const row = await invitations.findByTokenHash(db, tokenHash)
  if (row === undefined) return undefined
  const survey = (await findSurvey(db, row.surveyId))!
  const closedReason = invitationReason(row, survey, now)
  if (closedReason === 'expired') await invitations.expireDue(db, now, row.id)
  return {
    survey,
    locale: row.locale,
    channel: row.channel,
    multiUse: false,
    closedReason,
    consume: async (tx, at) => {
      // Claimed in the caller's IMMEDIATE transaction by one conditional update, which is what
      // makes exactly one of many concurrent submits win, and only while the invitation still
      // has this link. While it does, its attributes are the ones read above: they are set only
      // with a new link and erased only when the invitation ends.
      if (await invitations.markAnswered(tx, row.id, tokenHash, at, row.channel === 'email')) {
        return row.attributes ?? {}
      }
      const current = await invitations.findInvitation(tx, row.id)
      const sameLink = current !== undefined &&
        (current.tokenHash === tokenHash || current.reminderTokenHash === tokenHash)
      if (!sameLink) throw closedError('cancelled')
      const survey = (await findSurvey(tx, current.surveyId))!
      throw closedError(invitationReason(current, survey, at) ?? 'already_answered')
    }
  }
}

/**
 * A collector's URL (a QR code on a wall): the same page and submit flow as an invitation, for
 * any number of answers. Each answer carries the collector's attributes and counts against its
 * hourly cap; the page speaks the browser's language, else the collector's.
 */
export const collectorTarget: TargetResolver = async (db, tokenHash) => {
  const link = await findCollectorLink(db, tokenHash)
  if (link === undefined) return undefined
  const { collector, survey, closedReason } = link
  return {
    survey,
    locale: null,
    fallbackLocale: collector.locale,
    channel: 'collector',
    multiUse: true,
    closedReason,
    submitLimits: { cooldownSeconds: collector.cooldownSeconds },
    consume: async (tx, at, source) => {
      const claim = await claimCollectorAnswer(tx, collector.id, at, source)
      if ('closedReason' in claim) throw closedError(claim.closedReason)
      return claim.attributes
    }
  }
}

// Resolvers in the order they are asked. Token hashes are unique per table and 256 bits of
// SHA-256 do not collide across them, so the order only decides which lookup runs first.
const RESOLVERS: TargetResolver[] = [invitationTarget, collectorTarget]

/** The target of a token, or a 404 problem. */
export async function resolveTarget (db: DbOrTx, tokenHash: string, now: Date): Promise<AnswerTarget> {
  for (const resolve of RESOLVERS) {
    const target = await resolve(db, tokenHash, now)
    if (target !== undefined) return target
  }
  throw new NotFoundError('survey link')
}
