import type { DbOrTx } from '../db/client.js'
import { coarsenToDay } from '../responses/coarsen.js'
import { comboOf } from '../results/engine/cell-key.js'
import { findSurvey } from '../surveys/repository.js'
import type { SurveyRow } from '../surveys/tables.js'
import { answerAsClient, recordClient } from './clients.js'
import { claimHourlySlot } from './limits.js'
import * as repo from './repository.js'
import type { CollectorRow } from './tables.js'

// A collector as what an answer is given through: the respondent side (src/respondent/targets.ts)
// turns it into the link the survey page and the submit flow see.

/** Why a collector's link takes no answer: its survey closed, or the collector was closed. */
export type CollectorClosedReason = 'closed' | 'retired'

export interface CollectorLink {
  collector: CollectorRow
  survey: SurveyRow
  /** null while the collector takes answers. */
  closedReason: CollectorClosedReason | null
}

function collectorReason (collector: CollectorRow, survey: SurveyRow): CollectorClosedReason | null {
  if (survey.status === 'closed') return 'closed'
  if (collector.status === 'closed') return 'retired'
  return null
}

/** The collector of a token hash with its survey, or undefined if no collector has it. */
export async function findCollectorLink (db: DbOrTx, tokenHash: string): Promise<CollectorLink | undefined> {
  const collector = await repo.findCollectorByTokenHash(db, tokenHash)
  if (collector === undefined) return undefined
  const survey = (await findSurvey(db, collector.surveyId))!
  return { collector, survey, closedReason: collectorReason(collector, survey) }
}

/**
 * Claims one answer for a collector inside the IMMEDIATE transaction that stores it: the
 * collector's attributes for the response, or why it takes none. Read again here, since closing
 * races an answer; the hourly cap counts only answers that are stored (a 429 rolls its own count
 * back with the transaction).
 */
export async function claimCollectorAnswer (
  tx: DbOrTx, collectorId: string, at: Date, source: { client: () => string, commented: boolean }
): Promise<{ attributes: Record<string, string> } | { closedReason: CollectorClosedReason }> {
  const current = (await repo.findCollector(tx, collectorId))!
  const closedReason = collectorReason(current, (await findSurvey(tx, current.surveyId))!)
  if (closedReason !== null) return { closedReason }
  await claimHourlySlot(tx, current, at)
  // Counted by client toward the release minimum, or each answer alone (docs/anonymity.md).
  const client = current.release === 'answers' ? answerAsClient() : source.client()
  const day = coarsenToDay(at)
  const combo = comboOf(current.attributes)
  await recordClient(tx, { surveyId: current.surveyId, client, combo, day, commented: source.commented })
  return { attributes: current.attributes }
}
