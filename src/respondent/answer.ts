import type { DbHandle, DbOrTx } from '../db/client.js'
import { insertResponse, type NewResponse } from '../responses/repository.js'
import { countedValues, groupValues, type ItemDefinitions } from '../results/engine/item-values.js'
import { countResponse } from '../results/storage/rollup.js'
import type { AnswerSource } from './items.js'
import { checkAnswer, type AnswerBody } from './schemas.js'
import { closedError, resolveTarget, targetLocale, type AnswerTarget } from './targets.js'

// The one write path of an answer (docs/architecture.md): the link or collector is resolved and
// claimed, the anonymous response stored and counted in the results rollups, all in one
// transaction, so that a response is never stored without its counts nor counted without it.

/** An answer as the respondent's route parsed it. */
export interface AnswerSubmission {
  /** The hash of the link's token; the token itself never reaches storage (docs/anonymity.md). */
  tokenHash: string
  body: AnswerBody
  /** A form or JSON: they differ on an item hidden for the chosen score (./items.ts). */
  source: AnswerSource
  /** The browser's Accept-Language, for the response's locale. */
  acceptLanguage: string | undefined
  now: Date
  /**
   * The client's address under an HMAC with the server secret (src/collectors/clients.ts): collectors
   * count their answers by client toward the release minimum (docs/anonymity.md, padding). Asked
   * for only where it counts.
   */
  client: () => string
}

/** What the route does around the use case: HTTP concerns it cannot see. */
export interface SubmitHooks {
  /** Told the target as soon as the link is resolved, so that an error page speaks its language. */
  resolved?: (target: AnswerTarget) => void
  /**
   * A multi-use link's abuse checks (per client, per browser), run once the answer is valid and
   * before it is stored; they throw a 429 problem.
   */
  admit?: (limits: { cooldownSeconds: number }) => Promise<void>
}

/**
 * The respondent answers through a link: resolves its token to an invitation or a collector,
 * refuses a closed one (409/410) and an invalid answer (400, the link stays usable), then stores
 * the answer in the next group commit (src/db/group-commit.ts): the target is claimed, the
 * response stored and counted in one transaction, and the promise resolves only after that
 * COMMIT returned. Answers the target, whose survey and limits the route reports on.
 */
export async function submitAnswer (
  store: Pick<DbHandle, 'db' | 'writes'>, submission: AnswerSubmission, hooks: SubmitHooks = {}
): Promise<AnswerTarget> {
  const { tokenHash, now } = submission
  const target = await resolveTarget(store.db, tokenHash, now)
  hooks.resolved?.(target)
  if (target.closedReason !== null) throw closedError(target.closedReason)
  const answer = checkAnswer(submission.body, target.survey, submission.source)
  const locale = targetLocale(target, submission.acceptLanguage)
  if (target.submitLimits !== undefined) await hooks.admit?.(target.submitLimits)
  const { survey, channel } = target
  await store.writes.run(async tx => {
    const source = { client: submission.client, commented: answer.comment !== null }
    const attributes = await target.consume(tx, now, source)
    const response = { surveyId: survey.id, ...answer, locale, channel, attributes, answeredAt: now }
    await recordAnswer(tx, response, survey.items)
  })
  return target
}

/**
 * Stores one answer and counts it in the results rollups, in the caller's transaction: the
 * storage step of `submitAnswer`, which test and benchmark data go through as well. `items`: the
 * survey's item definitions, which say how its item answers are counted (engine/item-values.ts).
 */
export async function recordAnswer (
  tx: DbOrTx, response: NewResponse, items: ItemDefinitions = []
): Promise<void> {
  const day = await insertResponse(tx, response)
  const { surveyId, score, channel } = response
  const attributes = { ...response.attributes, ...groupValues(items, response.items) }
  const counted = countedValues(items, response.items)
  await countResponse(tx, {
    surveyId, day, score, channel, attributes, commented: (response.comment ?? '') !== '', items: counted
  })
}
