import { createHmac, randomBytes } from 'node:crypto'
import { normalizeIP } from '@fastify/rate-limit'
import { and, eq, lt, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { preparedPerHandle } from '../db/prepared.js'
import { collectorClientDays, collectorClients } from './tables.js'

// Distinct clients of collector answers, so that release blocks count collector answers by the
// people (client addresses) who gave them, not by answers: docs/anonymity.md, "Readers who can
// also answer (padding)".

/** The keyed hash of a client's address (IPv6 folded to its /64): never the address itself. */
export function clientKey (secret: Buffer, ip: string): string {
  return createHmac('sha256', secret).update(`collector-client:${normalizeIP(ip)}`, 'utf8').digest('base64url')
}

/** A client of its own for every answer: collectors set to `release: "answers"` count answers. */
export function answerAsClient (): string {
  return randomBytes(16).toString('base64url')
}

// One more write per collector answer (two with a comment), in the answer's transaction: an
// INSERT OR IGNORE into a small WITHOUT ROWID table holding only clients of open blocks.
const record = preparedPerHandle(db => db.insert(collectorClients).values({
  surveyId: sql.placeholder('surveyId'),
  kind: sql.placeholder('kind'),
  client: sql.placeholder('client'),
  day: sql.placeholder('day')
}).onConflictDoNothing().prepare())

/** Records that `client` answered (and commented, if it did) on `day`, unless already seen. */
export function recordClient (tx: DbOrTx, a: { surveyId: string, client: string, day: string, commented: boolean }): void {
  const q = record(tx)
  q.run({ surveyId: a.surveyId, kind: 'answer', client: a.client, day: a.day })
  if (a.commented) q.run({ surveyId: a.surveyId, kind: 'comment', client: a.client, day: a.day })
}

export interface ClientDay { clients: number, commenters: number }

/** Distinct collector clients (and commenters) first seen per day: kept rows plus erased counts. */
export function clientsPerDay (db: DbOrTx, surveyId: string): Map<string, ClientDay> {
  const out = new Map<string, ClientDay>()
  const at = (day: string): ClientDay => {
    let d = out.get(day)
    if (d === undefined) out.set(day, d = { clients: 0, commenters: 0 })
    return d
  }
  for (const r of db.select().from(collectorClientDays).where(eq(collectorClientDays.surveyId, surveyId)).all()) {
    const d = at(r.day)
    d.clients += r.clients
    d.commenters += r.commenters
  }
  const live = db.select({ kind: collectorClients.kind, day: collectorClients.day, n: sql<number>`count(*)` }).from(collectorClients)
    .where(eq(collectorClients.surveyId, surveyId)).groupBy(collectorClients.kind, collectorClients.day).all()
  for (const r of live) {
    if (r.kind === 'answer') at(r.day).clients += r.n
    else at(r.day).commenters += r.n
  }
  return out
}

/** Surveys holding client keys. */
export function surveysWithClients (db: DbOrTx): string[] {
  return db.selectDistinct({ id: collectorClients.surveyId }).from(collectorClients).all().map(r => r.id)
}

/**
 * Erases the client keys of days before `answersFrom` (kind answer) and `commentsFrom` (kind
 * comment): the first days of the open release blocks. Their counts move to collector_client_days,
 * so the blocks already cut stay as they were. A client erased here counts anew in a later block.
 */
export function eraseClientsBefore (tx: DbOrTx, surveyId: string, answersFrom: string, commentsFrom: string): number {
  let erased = 0
  for (const [kind, before] of [['answer', answersFrom], ['comment', commentsFrom]] as const) {
    const where = and(eq(collectorClients.surveyId, surveyId), eq(collectorClients.kind, kind), lt(collectorClients.day, before))
    const days = tx.select({ day: collectorClients.day, n: sql<number>`count(*)` }).from(collectorClients).where(where)
      .groupBy(collectorClients.day).all()
    for (const { day, n } of days) {
      const row = { surveyId, day, clients: kind === 'answer' ? n : 0, commenters: kind === 'comment' ? n : 0 }
      tx.insert(collectorClientDays).values(row).onConflictDoUpdate({
        target: [collectorClientDays.surveyId, collectorClientDays.day],
        set: {
          clients: sql`${collectorClientDays.clients} + excluded.clients`,
          commenters: sql`${collectorClientDays.commenters} + excluded.commenters`
        }
      }).run()
      erased += n
    }
    tx.delete(collectorClients).where(where).run()
  }
  return erased
}
