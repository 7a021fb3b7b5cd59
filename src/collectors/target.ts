import { GoneError } from '../errors.js'
import { coarsenToDay } from '../responses/coarsen.js'
import { comboOf } from '../results/engine/cell-key.js'
import type { AnswerTarget, ClosedReason, TargetResolver } from '../respondent/targets.js'
import { findSurvey } from '../surveys/repository.js'
import type { SurveyRow } from '../surveys/tables.js'
import { answerAsClient, recordClient } from './clients.js'
import { claimHourlySlot } from './limits.js'
import * as repo from './repository.js'
import type { CollectorRow } from './tables.js'

function collectorReason (collector: CollectorRow, survey: SurveyRow): ClosedReason | null {
  if (survey.status === 'closed') return 'closed'
  if (collector.status === 'closed') return 'retired'
  return null
}

/**
 * A collector's URL (a QR code on a wall): the same page and submit flow as an invitation, for
 * any number of answers. Each answer carries the collector's attributes and counts against its
 * hourly cap; the page speaks the browser's language, else the collector's.
 */
export const collectorTarget: TargetResolver = (db, tokenHash) => {
  const collector = repo.findCollectorByTokenHash(db, tokenHash)
  if (collector === undefined) return undefined
  const survey = findSurvey(db, collector.surveyId)!
  const target: AnswerTarget = {
    survey,
    locale: null,
    fallbackLocale: collector.locale,
    channel: 'collector',
    multiUse: true,
    closedReason: collectorReason(collector, survey),
    submitLimits: { cooldownSeconds: collector.cooldownSeconds },
    consume: (tx, at, answer) => {
      // Read again inside the IMMEDIATE transaction: closing races an answer, and the cap counts
      // only answers that are stored (a 429 rolls its own count back with the transaction).
      const current = repo.findCollector(tx, collector.id)!
      const reason = collectorReason(current, findSurvey(tx, current.surveyId)!)
      if (reason === 'closed') throw new GoneError('survey_closed', 'this survey has closed')
      if (reason === 'retired') throw new GoneError('collector_closed', 'this collector no longer takes answers')
      claimHourlySlot(tx, current, at)
      // Counted by client toward the release minimum, or each answer alone (docs/anonymity.md).
      const client = current.release === 'answers' ? answerAsClient() : answer.client
      recordClient(tx, { surveyId: current.surveyId, client, combo: comboOf(current.attributes), day: coarsenToDay(at), commented: answer.commented })
      return current.attributes
    }
  }
  return target
}
