import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { responseCounts } from './tables.js'

export interface CountedAnswer {
  surveyId: string
  day: string
  score: number
  channel: 'email' | 'link' | 'collector'
  attributes: Record<string, string>
}

function prepareUpsert (db: DbOrTx) {
  return db.insert(responseCounts).values({
    surveyId: sql.placeholder('surveyId'),
    attribute: sql.placeholder('attribute'),
    value: sql.placeholder('value'),
    day: sql.placeholder('day'),
    score: sql.placeholder('score'),
    n: 1,
    invited: sql.placeholder('invited')
  }).onConflictDoUpdate({
    target: [responseCounts.surveyId, responseCounts.attribute, responseCounts.value, responseCounts.day, responseCounts.score],
    set: { n: sql`${responseCounts.n} + 1`, invited: sql`${responseCounts.invited} + excluded.invited` }
  }).prepare()
}

// Building the upsert costs far more than running it, so it is prepared once per connection or
// transaction handle: seeding a million answers in one transaction reuses a single statement.
const prepared = new WeakMap<DbOrTx, ReturnType<typeof prepareUpsert>>()

/**
 * Adds one answer to the rollup: one row for every answer, one per attribute it carries. Runs in
 * the caller's transaction (the one that stores the answer), so counts and answers never differ.
 */
export function countResponse (db: DbOrTx, a: CountedAnswer): void {
  let upsert = prepared.get(db)
  if (upsert === undefined) {
    upsert = prepareUpsert(db)
    prepared.set(db, upsert)
  }
  const row = { surveyId: a.surveyId, day: a.day, score: a.score, invited: a.channel === 'collector' ? 0 : 1 }
  upsert.run({ ...row, attribute: '', value: '' })
  // '' is the all-answers row; an attribute without a name could not be asked for anyway.
  for (const [attribute, value] of Object.entries(a.attributes)) {
    if (attribute !== '') upsert.run({ ...row, attribute, value })
  }
}
