import { readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { sql } from 'drizzle-orm'
import Fastify from 'fastify'
import app, { serverOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { recordClient } from '../src/collectors/clients.js'
import { recordAnswer } from '../src/respondent/answer.js'
import { coarsenToDay } from '../src/responses/coarsen.js'
import { decideAhead } from '../src/results/engine/decide-ahead.js'
import { forgetReleasedClients } from '../src/results/engine/forget-clients.js'
import { comboOf } from '../src/results/engine/cell-key.js'
import { groupValues } from '../src/results/engine/item-values.js'
import type { ItemAnswers } from '../src/responses/tables.js'
import { all, get, run, tables } from '../src/db/dialect.js'

// The service as `npm run bench` runs it: a child process of bench/run.ts (so that its peak RSS
// is the service's own), the real app plugin on 127.0.0.1, port 0, configured by the parent's
// environment, plus routes that exist only here: the no-op floors every route stands on.
// The parent talks to it over the fork IPC channel: `listening`, then requests for its peak RSS
// and for seeded answers (results need a million of them, far too many to post in a bench).

export type BenchRequest =
  | { type: 'rss' }
  | { type: 'cpu' }
  | { type: 'profile'; file: string | null }
  | { type: 'seed'; surveyId: string; from: number; to: number; items?: boolean }
  | { type: 'decide' }
  | { type: 'outbox' }
  | { type: 'counts' }

export type BenchReply =
  | { type: 'listening'; port: number }
  | { type: 'rss'; maxRssKiB: number; rssKiB: number; heapAfterGcKiB: number | undefined }
  | { type: 'cpu'; micros: number; writtenBytes: number | undefined }
  | { type: 'profiled' }
  | { type: 'seeded'; seconds: number }
  | { type: 'decided'; seconds: number; decided: number; deferred: number }
  | { type: 'outbox'; unsettled: number }
  | { type: 'counts'; responses: number; mails: Record<string, number>; mailedInvitations: number }

const config = loadConfig(process.env)
const server = Fastify(serverOptions(config))
await server.register(app, { config })
// The floor of a public route (routing, hooks, headers, serialising) and of a /v1 route (plus the key check).
server.get('/bench/noop', async () => ({ ok: true }))
server.get('/bench/noop-auth', { config: { access: { roles: ['admin'] } } }, async () => ({ ok: true }))
// The floor of any acknowledged write: one IMMEDIATE transaction inserting one row, committed with
// synchronous=FULL (an fsync of the WAL) before the reply, into a table only the bench has. On
// PostgreSQL a second instance finds the table there.
await run(server.store.db, sql`CREATE TABLE IF NOT EXISTS bench_commits (n INTEGER NOT NULL)`)
server.post('/bench/commit', async (_request, reply) => {
  await server.store.transaction(async tx => { await run(tx, sql`INSERT INTO bench_commits (n) VALUES (1)`) })
  return reply.code(201).send({ ok: true })
})
await server.listen({ host: '127.0.0.1', port: 0 })

const DAYS = 365
const CATEGORIES = ['hardware', 'software', 'network', 'access', 'email', 'printing', 'phone', 'other']

/**
 * Answers `from`…`to` (deterministic by index) through recordAnswer, the one write path for
 * answers, in transactions of 50,000: spread over the last year up to yesterday, NPS skewed high.
 */
/**
 * With `items`, answers to a post-case survey's default items as people give them: FCR on most
 * answers (yes more often with a high score), reasons after a low score (one or two options).
 */
function itemAnswers (i: number, score: number): ItemAnswers {
  const out: ItemAnswers = {}
  if (i % 7 !== 0) out.fcr = (i * 13) % 10 < 3 + score * 0.6 ? 'yes' : 'no'
  if (score <= 6 && i % 4 !== 0) out.reasons = REASONS.filter((_, k) => (i + k) % 4 === 0).slice(0, 2)
  return out
}
const REASONS = ['waiting', 'repeat', 'not_solved', 'unfriendly', 'other']

async function seed (surveyId: string, from: number, to: number, withItems = false): Promise<void> {
  const [survey] = withItems
    ? await server.store.db.select({ items: tables(server.store.db).surveys.items })
      .from(tables(server.store.db).surveys).where(sql`id = ${surveyId}`)
    : []
  const definitions = survey?.items ?? []
  const now = new Date()
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  for (let start = from; start < to; start += 50_000) {
    await server.store.transaction(async tx => {
      for (let i = start; i < Math.min(to, start + 50_000); i++) {
        const r = ((i * 2654435761) % 4294967296) / 4294967296
        const score = Math.min(10, Math.floor(r * r * 4 + ((i * 7) % 11) * 0.7))
        const answer = {
          surveyId,
          score,
          comment: i % 20 === 0 ? `comment ${i}` : null,
          locale: 'en' as const,
          channel: i % 5 === 0 ? ('collector' as const) : ('email' as const),
          attributes: {
            team: `team-${i % 3}`,
            agent: `agent-${String(i % 40).padStart(2, '0')}`,
            category: CATEGORIES[(i >> 3) % 8]!
          },
          answeredAt: new Date(today - (1 + (i % DAYS)) * 86_400_000 + 43_200_000),
          items: withItems ? itemAnswers(i, score) : null
        }
        await recordAnswer(tx, answer, definitions)
        // A collector answer comes from a client of its own, as the answer route records it.
        if (answer.channel === 'collector') {
          const day = coarsenToDay(answer.answeredAt)
          await recordClient(tx, {
            surveyId,
            client: `bench-${i}`,
            combo: comboOf({ ...answer.attributes, ...groupValues(definitions, answer.items) }),
            day,
            commented: answer.comment !== null
          })
        }
      }
    })
  }
  // A year of answers goes in at once, so the forget-clients job, which erases the client keys of
  // released blocks every sweep interval as answers arrive, has not run over them: what it would
  // have done by now (results read those keys until it has).
  await forgetReleasedClients(server.store, new Date())
}

const send = (reply: BenchReply): void => {
  process.send?.(reply)
}
const fail = (err: unknown): void => {
  console.error(err)
  process.exit(1)
}

/** What the soak checks at its end: every answer stored, every mail settled. */
async function counts (): Promise<BenchReply> {
  const db = server.store.db
  const n = async (query: ReturnType<typeof sql>): Promise<number> => (await get<{ n: number }>(db, query))?.n ?? 0
  const states = await all<{ state: string; n: number }>(
    db, sql`SELECT state, count(*) AS n FROM outbox GROUP BY state`
  )
  return {
    type: 'counts',
    responses: await n(sql`SELECT count(*) AS n FROM responses`),
    mails: Object.fromEntries(states.map(r => [r.state, r.n])),
    mailedInvitations: await n(
      sql`SELECT count(*) AS n FROM invitations WHERE channel = 'email' AND token_hash IS NOT NULL`
    )
  }
}

// Bytes this process has sent to storage (Linux /proc/self/io `write_bytes`: the WAL's frames and
// checkpoints into the database file; not sockets), or undefined where there is no such file. On
// PostgreSQL the server writes, not the service: there it is the WAL the cluster has generated so far
// (its insert position: exact and immediate, but records, not the whole pages a commit flushes).
async function writtenBytes (): Promise<number | undefined> {
  if (server.store.kind === 'postgres') {
    const row = await get<{ n: number }>(server.store.db, sql`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS n`)
    return row?.n
  }
  try {
    const match = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))
    return match === null ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}

// BENCH_CPU_PROF: a V8 CPU profile of one row's rounds only (not of the start-up or of making the
// row's inputs), started with `file: null` and written to `file` when stopped.
let profiler: Session | undefined
async function profile (file: string | null): Promise<void> {
  if (file === null) {
    profiler = new Session()
    profiler.connect()
    await profiler.post('Profiler.enable')
    await profiler.post('Profiler.setSamplingInterval', { interval: 100 })
    await profiler.post('Profiler.start')
  } else if (profiler !== undefined) {
    const { profile } = await profiler.post('Profiler.stop')
    writeFileSync(file, JSON.stringify(profile))
    profiler.disconnect()
    profiler = undefined
  }
  send({ type: 'profiled' })
}

process.on('message', (message: BenchRequest) => {
  if (message.type === 'rss') {
    // Peak and current RSS, and the heap in use after a full garbage collection (--expose-gc, as
    // bench/run.ts starts this process): what the service keeps, against what V8 has not given back.
    const gc = (globalThis as { gc?: () => void }).gc
    gc?.()
    send({
      type: 'rss',
      maxRssKiB: process.resourceUsage().maxRSS,
      rssKiB: Math.round(process.memoryUsage.rss() / 1024),
      heapAfterGcKiB: gc === undefined ? undefined : Math.round(process.memoryUsage().heapUsed / 1024)
    })
  } else if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage()
    writtenBytes().then(
      bytes => send({ type: 'cpu', micros: user + system, writtenBytes: bytes }),
      fail
    )
  } else if (message.type === 'profile') {
    profile(message.file).catch(err => {
      console.error(err)
      process.exit(1)
    })
  } else if (message.type === 'seed') {
    const started = process.hrtime.bigint()
    seed(message.surveyId, message.from, message.to, message.items).then(
      () => send({ type: 'seeded', seconds: Number(process.hrtime.bigint() - started) / 1e9 }),
      err => {
        console.error(err)
        process.exit(1)
      }
    )
  } else if (message.type === 'outbox') {
    // Mail not yet sent (pending or being sent): the bench waits for it to reach 0 after a round
    // of invitations, so that their sending counts in the round's CPU and bytes.
    get<{ n: number }>(server.store.db, sql`SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'sending')`)
      .then(row => send({ type: 'outbox', unsettled: row?.n ?? 0 }), fail)
  } else if (message.type === 'counts') {
    counts().then(send, fail)
  } else if (message.type === 'decide') {
    // What the decide-ahead job does after start-up and when months complete (seeding made them).
    const started = process.hrtime.bigint()
    decideAhead(server.store.db, server.decidedMonths, new Date()).then(
      r => {
        send({ type: 'decided', seconds: Number(process.hrtime.bigint() - started) / 1e9, ...r })
      },
      err => {
        console.error(err)
        process.exit(1)
      }
    )
  }
})
// The parent going away (a crash, Ctrl+C) ends the service too, closing the database.
process.on('disconnect', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1)
  )
})
process.on('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1)
  )
})

send({ type: 'listening', port: (server.server.address() as { port: number }).port })
