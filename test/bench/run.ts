// npm run bench: the service's speed against a no-op route, on a real socket and a temporary
// database. Table-driven: add a row to SCENARIOS (and, if it needs data, a step to `seed`).
// BENCH_SIZES=10000,100000 limits the sizes; BENCH_SECONDS and BENCH_RUNS the measuring.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import Fastify, { type FastifyInstance } from 'fastify'
import app, { serverOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { insertResponse } from '../../src/responses/repository.js'

const KEY = 'bench-bootstrap-key-0123456789'
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const DAYS = 365

interface Context { surveyId: string }
interface Scenario { name: string, path: (c: Context) => string }

const SCENARIOS: Scenario[] = [
  { name: 'no-op (same auth)', path: () => '/bench/noop' },
  { name: 'results', path: c => `/v1/surveys/${c.surveyId}/results` },
  { name: 'results, weekly series', path: c => `/v1/surveys/${c.surveyId}/results?interval=week` },
  { name: 'results, group_by agent', path: c => `/v1/surveys/${c.surveyId}/results?group_by=agent` },
  { name: 'results, filter agent', path: c => `/v1/surveys/${c.surveyId}/results?agent=agent-07` },
  { name: 'results, filter category, weekly', path: c => `/v1/surveys/${c.surveyId}/results?category=network&interval=week` },
  { name: 'results, two filters (scan)', path: c => `/v1/surveys/${c.surveyId}/results?agent=agent-07&category=network` },
  { name: 'team results across surveys', path: () => '/v1/results?team=it&metric=nps' }
]

/** Answers spread over the last year (up to yesterday, so all are released), NPS skewed high. */
function seed (server: FastifyInstance, surveyId: string, from: number, to: number): void {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate())
  const categories = ['hardware', 'software', 'network', 'access', 'email', 'printing', 'phone', 'other']
  for (let start = from; start < to; start += 50_000) {
    server.store.transaction(tx => {
      for (let i = start; i < Math.min(to, start + 50_000); i++) {
        const r = (i * 2654435761) % 4294967296 / 4294967296
        insertResponse(tx, {
          surveyId,
          score: Math.min(10, Math.floor(r * r * 4 + ((i * 7) % 11) * 0.7)),
          comment: i % 20 === 0 ? `comment ${i}` : null,
          locale: 'en',
          channel: i % 5 === 0 ? 'collector' : 'email',
          attributes: { team: `team-${i % 3}`, agent: `agent-${String(i % 40).padStart(2, '0')}`, category: categories[(i >> 3) % 8]! },
          answeredAt: new Date(today - (1 + (i % DAYS)) * 86_400_000 + 43_200_000)
        })
      }
    })
  }
}

/**
 * Medians over RUNS runs of one connection for SECONDS. With one connection a request starts when
 * the last one ends, so 1000 / (requests per second) is the mean latency, to the microsecond
 * (autocannon's own latency figures are whole milliseconds); p99 is autocannon's.
 */
async function measure (url: string): Promise<{ latency: number, p99: number, rps: number }> {
  const runs: Array<{ p99: number, rps: number }> = []
  for (let i = 0; i < RUNS; i++) {
    const r = await autocannon({ url, connections: 1, duration: SECONDS, timeout: 120, headers: { authorization: `Bearer ${KEY}` } })
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`)
    // A request slower than the run still counts once.
    runs.push({ p99: r.latency.p99, rps: Math.max(r.requests.total, 1) / (r.duration || SECONDS) })
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const rps = median(runs.map(r => r.rps))
  return { latency: 1000 / rps, p99: median(runs.map(r => r.p99)), rps }
}

const dir = mkdtempSync(join(tmpdir(), 'puls-bench-'))
const config = loadConfig({ PULS_DATA_DIR: dir, PULS_API_KEY: KEY, LOG_LEVEL: 'silent', PORT: '0' })
const server = Fastify(serverOptions(config))
await server.register(app, { config })
// Only in the bench: the floor every route stands on (routing, the API key check, serialising).
server.get('/bench/noop', { onRequest: server.authenticate }, async () => ({ ok: true }))
try {
  await server.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`
  const create = async (kind: string): Promise<string> => (await server.inject({
    method: 'POST', url: '/v1/surveys', headers: { authorization: `Bearer ${KEY}` }, payload: { name: `bench ${kind}`, kind, team: 'it', metric: 'nps' }
  })).json().id
  const context: Context = { surveyId: await create('relationship') }
  // A second, small survey of the same team and metric, so that team results add two up.
  seed(server, await create('post_case'), 0, 5_000)

  console.log(`Puls bench: ${RUNS} runs of ${SECONDS} s per row, 1 connection, medians of the runs; node ${process.version}\n`)
  console.log('| scenario | answers | mean latency | p99 | requests/s | × no-op latency |')
  console.log('|---|---:|---:|---:|---:|---:|')
  let seeded = 0
  for (const size of SIZES) {
    const started = Date.now()
    seed(server, context.surveyId, seeded, size)
    seeded = size
    console.error(`seeded ${size} answers in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    let noop = 0
    for (const s of SCENARIOS) {
      const { latency, p99, rps } = await measure(base + s.path(context))
      if (noop === 0) noop = latency
      const ms = latency < 10 ? latency.toFixed(2) : latency.toFixed(0)
      console.log(`| ${s.name} | ${size.toLocaleString('en')} | ${ms} ms | ${p99} ms | ${rps < 10 ? rps.toFixed(1) : Math.round(rps)} | ${Math.round(latency / noop)} |`)
    }
  }
} finally {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
}
