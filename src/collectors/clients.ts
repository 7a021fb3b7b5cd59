import { normalizeIP } from '@fastify/rate-limit'
import { and, between, eq, lt, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { keyedDigest, newSecret } from '../ids.js'
import { tables } from '../db/dialect.js'
import { preparedPerHandle } from '../db/prepared.js'

// Distinct clients of collector answers, so that release blocks count collector answers by the
// people (client addresses) who gave them, not by answers: docs/anonymity.md, "Readers who can
// also answer (padding)".

/** The keyed hash of a client's address (IPv6 folded to its /64): never the address itself. */
export function clientKey (secret: Buffer, ip: string): string {
  return keyedDigest(secret, 'collector-client', normalizeIP(ip))
}

/** A client of its own for every answer: collectors set to `release: "answers"` count answers. */
export function answerAsClient (): string {
  return newSecret(16)
}

// Two more writes per collector answer (three with a comment), in the answer's transaction: an
// INSERT OR IGNORE into a small WITHOUT ROWID table that holds only clients of what is still open.
const record = preparedPerHandle(db => {
  const { collectorClients } = tables(db)
  return db
    .insert(collectorClients)
    .values({
      surveyId: sql.placeholder('surveyId'),
      kind: sql.placeholder('kind'),
      combo: sql.placeholder('combo'),
      client: sql.placeholder('client'),
      day: sql.placeholder('day')
    })
    .onConflictDoNothing()
    .prepare()
})

export interface ClientAnswer {
  surveyId: string
  client: string
  /** The answer's attributes as the rollup spells them (src/results/rollup.ts comboOf). */
  combo: string
  day: string
  commented: boolean
}

/** Records that `client` answered (and commented, if it did) on `day`, unless already seen. */
export async function recordClient (tx: DbOrTx, a: ClientAnswer): Promise<void> {
  const q = record(tx)
  await q.execute({ surveyId: a.surveyId, kind: 'answer', combo: '', client: a.client, day: a.day })
  await q.execute({ surveyId: a.surveyId, kind: 'cell', combo: a.combo, client: a.client, day: a.day })
  if (a.commented) await q.execute({ surveyId: a.surveyId, kind: 'comment', combo: '', client: a.client, day: a.day })
}

export type ClientKind = 'answer' | 'cell' | 'comment'

/**
 * Distinct collector clients first seen per day (kind answer or comment), or per day and
 * combination (`${day} ${combo}`, kind cell): kept rows plus the counts of erased ones.
 */
export async function clientsPerDay (
  db: DbOrTx,
  surveyId: string,
  kind: ClientKind,
  days?: { from: string; to: string }
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const keyOf = (day: string, combo: string): string => (kind === 'cell' ? `${day} ${combo}` : day)
  const add = (day: string, combo: string, n: number): void => {
    const key = keyOf(day, combo)
    out.set(key, (out.get(key) ?? 0) + n)
  }
  const { collectorClientDays: d, collectorClients: c } = tables(db)
  const erased = await db
    .select()
    .from(d)
    .where(
      and(
        eq(d.surveyId, surveyId),
        eq(d.kind, kind),
        days === undefined ? undefined : between(d.day, days.from, days.to)
      )
    )
  for (const r of erased) add(r.day, r.combo, r.clients)
  const live = await db
    .select({ day: c.day, combo: c.combo, n: sql<number>`count(*)` })
    .from(c)
    .where(
      and(
        eq(c.surveyId, surveyId),
        eq(c.kind, kind),
        days === undefined ? undefined : between(c.day, days.from, days.to)
      )
    )
    .groupBy(c.combo, c.day)
  for (const r of live) add(r.day, r.combo, r.n)
  return out
}

/** Surveys holding client keys. */
export async function surveysWithClients (db: DbOrTx): Promise<string[]> {
  const { collectorClients } = tables(db)
  const rows = await db.selectDistinct({ id: collectorClients.surveyId }).from(collectorClients)
  return rows.map(r => r.id)
}

/**
 * Erases the client keys of each kind of days before the given day: the first day of what is
 * still open (the open block of answers, of comments; the first month not complete, for cells).
 * Their counts move to collector_client_days, so what was decided stays as it was. A client
 * erased here counts anew in a later block or month.
 */
export async function eraseClientsBefore (
  tx: DbOrTx, surveyId: string, before: Record<ClientKind, string>
): Promise<number> {
  const { collectorClientDays, collectorClients: c } = tables(tx)
  let erased = 0
  for (const kind of ['answer', 'cell', 'comment'] as const) {
    const where = and(eq(c.surveyId, surveyId), eq(c.kind, kind), lt(c.day, before[kind]))
    const counted = await tx
      .select({ day: c.day, combo: c.combo, n: sql<number>`count(*)` })
      .from(c)
      .where(where)
      .groupBy(c.combo, c.day)
    for (const { day, combo, n } of counted) {
      await tx.insert(collectorClientDays)
        .values({ surveyId, kind, combo, day, clients: n })
        .onConflictDoUpdate({
          target: [
            collectorClientDays.surveyId,
            collectorClientDays.kind,
            collectorClientDays.day,
            collectorClientDays.combo
          ],
          set: { clients: sql`${collectorClientDays.clients} + excluded.clients` }
        })
      erased += n
    }
    await tx.delete(c).where(where)
  }
  return erased
}
