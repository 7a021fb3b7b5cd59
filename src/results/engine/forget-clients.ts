import { setImmediate as nextTurn } from 'node:timers/promises'
import { eraseClientsBefore, surveysWithClients } from '../../collectors/clients.js'
import type { DbHandle } from '../../db/client.js'
import { coarsenToDay } from '../../responses/coarsen.js'
import { findSurvey } from '../../surveys/repository.js'
import { releaseMonths } from './months.js'
import { releaseBlocks } from './periods.js'
import * as repo from '../storage/repository.js'

// The keys of collector clients are kept only while what they count is still open
// (docs/anonymity.md, "Readers who can also answer"): once the blocks of a day are released, its
// keys are erased and only their counts stay.

/**
 * Erases, per survey, the client keys of days before its open answer block, its open comment
 * block and its first release month that is not complete (cells of questions about attributes
 * are decided per month). Each survey in its own IMMEDIATE transaction; the event loop gets a
 * turn between surveys.
 */
export async function forgetReleasedClients (store: DbHandle, now: Date): Promise<{ erased: number }> {
  const { db } = store
  const today = coarsenToDay(now)
  let erased = 0
  for (const id of await surveysWithClients(db)) {
    erased += await store.transaction(async tx => {
      const survey = await findSurvey(tx, id)
      if (survey === undefined) return 0
      const answers = releaseBlocks(await repo.answeredDays(tx, id), survey.minGroupSize, today)
      const comments = releaseBlocks(await repo.commentedDays(tx, id), survey.minCommentGroupSize, today)
      const inCompleteMonths = releaseMonths(answers, today).reduce((acc, m) => acc + m.blocks.length, 0)
      return await eraseClientsBefore(tx, id, {
        answer: answers.openFrom ?? today,
        comment: comments.openFrom ?? today,
        cell: answers.blocks[inCompleteMonths]?.from ?? answers.openFrom ?? today
      })
    })
    await nextTurn()
  }
  return { erased }
}
