import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.js'
import { preparedPerHandle } from '../../db/prepared.js'
import { comboOf } from '../engine/cell-key.js'
import { responseCombos, responseComboScores, responseCounts } from './tables.js'

export interface CountedAnswer {
  surveyId: string
  day: string
  score: number
  channel: 'email' | 'link' | 'collector'
  attributes: Record<string, string>
  commented: boolean
}

// Building an upsert costs far more than running it, so they are prepared once per connection or
// transaction handle: seeding a million answers in one transaction reuses the same statements.
const upsertsFor = preparedPerHandle((db: DbOrTx) => {
  const counts = db.insert(responseCounts).values({
    surveyId: sql.placeholder('surveyId'),
    day: sql.placeholder('day'),
    score: sql.placeholder('score'),
    n: 1,
    invited: sql.placeholder('invited'),
    comments: sql.placeholder('comments'),
    invitedComments: sql.placeholder('invitedComments')
  }).onConflictDoUpdate({
    target: [responseCounts.surveyId, responseCounts.day, responseCounts.score],
    set: {
      n: sql`${responseCounts.n} + 1`,
      invited: sql`${responseCounts.invited} + excluded.invited`,
      comments: sql`${responseCounts.comments} + excluded.comments`,
      invitedComments: sql`${responseCounts.invitedComments} + excluded.invited_comments`
    }
  }).prepare()
  const combos = db.insert(responseCombos).values({
    surveyId: sql.placeholder('surveyId'),
    day: sql.placeholder('day'),
    combo: sql.placeholder('combo'),
    n: 1,
    invited: sql.placeholder('invited')
  }).onConflictDoUpdate({
    target: [responseCombos.surveyId, responseCombos.day, responseCombos.combo],
    set: { n: sql`${responseCombos.n} + 1`, invited: sql`${responseCombos.invited} + excluded.invited` }
  }).prepare()
  const scores = db.insert(responseComboScores).values({
    surveyId: sql.placeholder('surveyId'),
    month: sql.placeholder('month'),
    combo: sql.placeholder('combo'),
    score: sql.placeholder('score'),
    n: 1,
    invited: sql.placeholder('invited')
  }).onConflictDoUpdate({
    target: [
      responseComboScores.surveyId, responseComboScores.month, responseComboScores.combo, responseComboScores.score
    ],
    set: { n: sql`${responseComboScores.n} + 1`, invited: sql`${responseComboScores.invited} + excluded.invited` }
  }).prepare()
  return { counts, combos, scores }
})

/**
 * Adds one answer to the rollups: its day and score (whole-survey results); its day and
 * combination of attributes, and its month, combination and score (questions about attributes).
 * Runs in the caller's transaction (the one that stores the answer), so counts and answers never
 * differ.
 */
export function countResponse (db: DbOrTx, a: CountedAnswer): void {
  const upserts = upsertsFor(db)
  const invited = a.channel === 'collector' ? 0 : 1
  const row = { surveyId: a.surveyId, day: a.day, score: a.score, invited }
  upserts.counts.run({ ...row, comments: a.commented ? 1 : 0, invitedComments: a.commented ? invited : 0 })
  const combo = comboOf(a.attributes)
  upserts.combos.run({ surveyId: a.surveyId, day: a.day, combo, invited })
  upserts.scores.run({ ...row, month: a.day.slice(0, 7), combo })
}
