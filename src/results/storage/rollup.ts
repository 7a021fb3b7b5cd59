import { and, between, eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.js'
import { jsonArray, tables } from '../../db/dialect.js'
import { countedValues, groupValues, type ItemDefinitions } from '../engine/item-values.js'
import { preparedPerHandle } from '../../db/prepared.js'
import { comboOf } from '../engine/cell-key.js'

export interface CountedAnswer {
  surveyId: string
  day: string
  score: number
  channel: 'email' | 'link' | 'collector'
  /** The answer's attributes and its `item.<key>` values (engine/item-values.ts groupValues). */
  attributes: Record<string, string>
  commented: boolean
  /** Per item, the values it counts under (engine/item-values.ts countedValues). */
  items?: ReadonlyArray<readonly [item: string, value: string]> | undefined
}

// Building an upsert costs far more than running it, so they are prepared once per connection or
// transaction handle: seeding a million answers in one transaction reuses the same statements.
const upsertsFor = preparedPerHandle((db: DbOrTx) => {
  const { responseCounts, responseCombos, responseComboScores } = tables(db)
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

// An answer's item rows (month, combination, item, value) go in as one upsert whose rows come
// from one JSON parameter, its [item, value] pairs: a statement per row, or a placeholder per
// value, cost the answer path more than the rows themselves (BENCHMARKS.md, "Answers with items").
// An answer's pairs never repeat a key.
const itemUpsertFor = preparedPerHandle(db => {
  const { responseItemCounts: c } = tables(db)
  const pair = sql.raw('pair.value')
  return db.insert(c).select(sql`SELECT ${sql.placeholder('surveyId')}, ${sql.placeholder('month')},
    ${sql.placeholder('combo')}, ${pair} ->> 0, ${pair} ->> 1, 1, ${sql.placeholder('invited')}
    FROM ${jsonArray(db, sql.placeholder('pairs'), 'pair')} WHERE true`).onConflictDoUpdate({
    target: [c.surveyId, c.month, c.combo, c.item, c.value],
    set: { n: sql`${c.n} + excluded.n`, invited: sql`${c.invited} + excluded.invited` }
  }).prepare()
})

/** Counts an answer's item values (engine/item-values.ts countedValues) in one statement. */
async function countItems (
  db: DbOrTx, at: { surveyId: string, month: string, combo: string, invited: number },
  items: ReadonlyArray<readonly [item: string, value: string]>
): Promise<void> {
  if (items.length === 0) return
  await itemUpsertFor(db).execute({ ...at, pairs: JSON.stringify(items) })
}

/**
 * Adds one answer to the rollups: its day and score (whole-survey results); its day and
 * combination of attributes, and its month, combination and score (questions about attributes);
 * its item answers per month, combination, item and value (item results).
 * Runs in the caller's transaction (the one that stores the answer), so counts and answers never
 * differ.
 */
export async function countResponse (db: DbOrTx, a: CountedAnswer): Promise<void> {
  const upserts = upsertsFor(db)
  const invited = a.channel === 'collector' ? 0 : 1
  const row = { surveyId: a.surveyId, day: a.day, score: a.score, invited }
  await upserts.counts.execute({ ...row, comments: a.commented ? 1 : 0, invitedComments: a.commented ? invited : 0 })
  const combo = comboOf(a.attributes)
  await upserts.combos.execute({ surveyId: a.surveyId, day: a.day, combo, invited })
  const month = a.day.slice(0, 7)
  await upserts.scores.execute({ ...row, month, combo })
  await countItems(db, { surveyId: a.surveyId, month, combo, invited }, a.items ?? [])
}

/**
 * Counts one calendar month's per-month rollups again from the answers it still holds (after
 * retention deleted its first days): distributions per combination, and item answers. The
 * combinations carry item values as the answer path writes them (engine/item-values.ts).
 */
export async function recountMonth (
  db: DbOrTx, surveyId: string, month: string, items: ItemDefinitions
): Promise<void> {
  const { responses, responseComboScores, responseItemCounts } = tables(db)
  await db.delete(responseComboScores)
    .where(and(eq(responseComboScores.surveyId, surveyId), eq(responseComboScores.month, month)))
  await db.delete(responseItemCounts)
    .where(and(eq(responseItemCounts.surveyId, surveyId), eq(responseItemCounts.month, month)))
  const upserts = upsertsFor(db)
  const rows = await db.select({
    score: responses.score, channel: responses.channel, attributes: responses.attributes, items: responses.items
  }).from(responses)
    .where(and(eq(responses.surveyId, surveyId), between(responses.day, `${month}-01`, `${month}-31`)))
  for (const r of rows) {
    const invited = r.channel === 'collector' ? 0 : 1
    const combo = comboOf({ ...r.attributes, ...groupValues(items, r.items) })
    await upserts.scores.execute({ surveyId, month, combo, score: r.score, invited })
    await countItems(db, { surveyId, month, combo, invited }, countedValues(items, r.items))
  }
}
