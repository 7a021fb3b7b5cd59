import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { tables } from '../db/dialect.js'
import { preparedPerHandle } from '../db/prepared.js'
import type { Locale } from '../schemas.js'
import { coarsenToDay } from './coarsen.js'
import type { ItemAnswers } from './tables.js'

export interface NewResponse {
  surveyId: string
  score: number
  comment: string | null
  locale: Locale
  channel: 'email' | 'link' | 'collector'
  attributes: Record<string, string>
  /** The answers to the survey's items, checked (src/respondent/items.ts); null or absent: none. */
  items?: ItemAnswers | null | undefined
  answeredAt: Date
}

// Every answer (and the bench's million seeded ones) runs this: prepared once per handle.
const insert = preparedPerHandle(db => db.insert(tables(db).responses).values({
  id: sql.placeholder('id'),
  surveyId: sql.placeholder('surveyId'),
  score: sql.placeholder('score'),
  comment: sql.placeholder('comment'),
  day: sql.placeholder('day'),
  locale: sql.placeholder('locale'),
  channel: sql.placeholder('channel'),
  attributes: sql.placeholder('attributes'),
  // Raw, not through the JSON column's encoder, which would store no items as the text 'null'.
  items: sql`${sql.placeholder('items')}`
}).prepare())

/**
 * Stores one anonymous answer and answers the day it keeps. Only what docs/anonymity.md allows
 * reaches the row: a random id (no prefix, no time component), the day, and the attributes;
 * never the invitation or token it came through. Its one caller, `recordAnswer`
 * (src/respondent/answer.ts), runs it in the transaction that claims the link and counts the
 * answer in the results rollups.
 */
export async function insertResponse (db: DbOrTx, r: NewResponse): Promise<string> {
  const day = coarsenToDay(r.answeredAt)
  await insert(db).execute({
    id: randomBytes(16).toString('base64url'),
    surveyId: r.surveyId,
    score: r.score,
    comment: r.comment,
    day,
    locale: r.locale,
    channel: r.channel,
    attributes: r.attributes,
    items: r.items == null ? null : JSON.stringify(r.items)
  })
  return day
}
