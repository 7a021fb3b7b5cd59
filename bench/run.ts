import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { formatRows, mailBench } from './mail.js'
import { channel, startService } from './child.js'
import { clusterCpuMicros, startBenchPostgres } from './postgres.js'

// `npm run bench`: the real service (bench/server.ts: the app plugin in its own process, on
// 127.0.0.1, a temporary SQLite file with WAL and synchronous=FULL, its mail going to an SMTP
// server on 127.0.0.1) driven over a real socket by autocannon. Every row is the median of
// BENCH_ROUNDS rounds of about BENCH_SECONDS after a warm-up, and its ratio to the no-op route
// measured in the same run: ratios hold across machines better than rates do.
// BENCH_DATABASE=postgres: the same tables on a durable throwaway PostgreSQL cluster (bench/postgres.ts),
// plus a row with two service instances on the one database.

const KEY = 'bench-bootstrap-key-0123456789'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONNECTIONS = 10
/** Invitations a batch request makes (the aim: 10,000 accepted within a second). */
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000)
/** Results: answers seeded in steps, and shorter rounds (a scan at 1M takes seconds a request). */
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number)
const RESULT_ROUNDS = Number(process.env.BENCH_RESULT_ROUNDS ?? 3)
const RESULT_SECONDS = Number(process.env.BENCH_RESULT_SECONDS ?? 1)
/** BENCH_CPU_PROF=<dir>: the service writes a V8 CPU profile of each round there (open it in Chrome DevTools). */
const CPU_PROF = process.env.BENCH_CPU_PROF
/** BENCH_ONLY=<text>[,<text>…]: only the rows whose name holds one of them (and the no-op), e.g. one route. */
const ONLY = process.env.BENCH_ONLY?.split(',')
const wanted = (name: string): boolean => ONLY === undefined || ONLY.some(text => name.includes(text))

// ---- the service, in a child process --------------------------------------------------------

const DATABASE = process.env.BENCH_DATABASE ?? 'sqlite'
if (DATABASE !== 'sqlite' && DATABASE !== 'postgres') throw new Error('BENCH_DATABASE: sqlite or postgres')
const cluster = DATABASE === 'postgres' ? await startBenchPostgres() : undefined
const storeEnv: Record<string, string> = cluster === undefined
  ? {}
  : {
      DATABASE_URL: cluster.url,
      ...(process.env.DATABASE_POOL_SIZE === undefined ? {} : { DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE })
    }
const { dataDir, smtp, child, service } = await startService(KEY, 'puls-bench-', storeEnv)
const { reply, ask } = service

// Bare Fastify with the same no-op route, in its own process: the floor Puls's no-op is compared to.
const bareChild: ChildProcess = fork(new URL('./bare.ts', import.meta.url), {
  execArgv: ['--import', 'tsx'],
  env: { PATH: process.env.PATH },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc']
})
const bare = channel(bareChild, 'the bare Fastify app')
const bareBase = `http://127.0.0.1:${(await bare.reply('listening')).port}`

const { port } = await reply('listening')
const base = `http://127.0.0.1:${port}`
const auth = { authorization: `Bearer ${KEY}` }
const startup = await ask({ type: 'rss' }, 'rss')
// The jobs due at start-up (the decide-ahead job runs 1 s after it) are not the first row's work.
await new Promise(resolve => setTimeout(resolve, 2000))

async function api (method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`)
  return res.json()
}

const tokenOf = (url: string): string => url.slice(url.lastIndexOf('/s/') + 3)

/** `n` fresh link-invitation tokens, made through the batch API (10,000 a call). */
async function linkTokens (surveyId: string, n: number): Promise<string[]> {
  const tokens: string[] = []
  while (tokens.length < n) {
    const size = Math.min(10_000, n - tokens.length)
    const { items } = await api('POST', `/v1/surveys/${surveyId}/invitations/batch`, {
      invitations: Array.from({ length: size }, () => ({ channel: 'link' }))
    })
    tokens.push(...items.map((i: { url: string }) => tokenOf(i.url)))
  }
  return tokens
}

// ---- measuring -----------------------------------------------------------------------------

interface Round {
  rps: number
  mean: number
  p99: number
  cpu: number
  /** The PostgreSQL cluster's CPU a request (all its processes); undefined on SQLite. */
  dbCpu: number | undefined
  written: number | undefined
}

/** A second service instance on the same PostgreSQL database, started for the two-instance row. */
let second: { base: string, ask: typeof ask, stop: () => Promise<void> } | undefined

interface Scenario {
  name: string
  /** What one request makes, and how many: answers, invitations. */
  unit?: string
  perRequest?: number
  status: number
  connections?: number
  /**
   * Rounds make a fixed `amount` of requests, sized from the last round's rate to last about
   * BENCH_SECONDS (at least `min`; `warmup` in the warm-up), instead of running for a fixed time:
   * for requests that use up an input (a token, made beforehand) and for slow ones (a fixed
   * time would cut off the requests still running when it ends).
   */
  counted?: { warmup: number; min: number }
  /** Waits, after each round and before reading the CPU, for work the round left (mail to send). */
  settle?: () => Promise<void>
  /** Measured on the bare Fastify app (bench/bare.ts) instead of the service; always run. */
  bare?: boolean
  /** Spread over both instances (the first and `second`); CPU summed over both. */
  both?: boolean
  /** autocannon options for one round; `amount` is set for counted scenarios. */
  options: (amount: number | undefined) => Promise<Partial<autocannon.Options>> | Partial<autocannon.Options>
}

async function round (
  s: Scenario,
  seconds: number,
  amount: number | undefined,
  options: Partial<autocannon.Options>
): Promise<Round> {
  const asks = s.bare === true ? [bare.ask] : s.both === true ? [ask, second!.ask] : [ask]
  const cpuOf = async (): Promise<{ micros: number, writtenBytes: number | undefined, db: number | undefined }> => {
    const each = await Promise.all(asks.map(a => a({ type: 'cpu' }, 'cpu')))
    return {
      micros: each.reduce((sum, c) => sum + c.micros, 0),
      // On PostgreSQL the WAL position is the cluster's: one instance's reading covers both.
      writtenBytes: each[0]!.writtenBytes,
      db: cluster === undefined || s.bare === true ? undefined : clusterCpuMicros(cluster.pid)
    }
  }
  const before = await cpuOf()
  const r = await autocannon({
    url: base,
    connections: s.connections ?? CONNECTIONS,
    ...(amount === undefined ? { duration: seconds } : { amount }),
    // autocannon ends a run at its next sample tick: every 20 ms, so that a counted round's
    // duration is not rounded up to the next whole second.
    sampleInt: 20,
    ...options
  })
  const statuses = Object.entries(r.statusCodeStats ?? {}).map(([code, { count }]) => `${code}×${count ?? 0}`)
  const wrong = Object.keys(r.statusCodeStats ?? {}).filter(code => Number(code) !== s.status)
  if (wrong.length > 0 || r.errors > 0 || r.timeouts > 0) {
    throw new Error(
      `${s.name}: expected only ${s.status}, got ${statuses.join(' ')}, ${r.errors} errors, ${r.timeouts} timeouts`
    )
  }
  // A closed loop: each connection sends its next request when the last one is answered, so the
  // mean latency is connections / rate, to the microsecond (autocannon's own is whole ms).
  const rps = Math.max(r.requests.total, 1) / (r.duration || seconds)
  await s.settle?.()
  // The service's own CPU time (user + system, its process alone) per request: unlike the rates,
  // it hardly moves when other work shares the machine.
  const after = await cpuOf()
  const requests = Math.max(r.requests.total, 1)
  const cpu = (after.micros - before.micros) / requests
  const dbCpu = after.db === undefined || before.db === undefined ? undefined : (after.db - before.db) / requests
  // Bytes the service sent to the disk a request (WAL frames, checkpoints): what a durable commit
  // writes and waits for, and, unlike the time it takes, the same on any machine.
  const written =
    after.writtenBytes === undefined || before.writtenBytes === undefined
      ? undefined
      : (after.writtenBytes - before.writtenBytes) / requests
  return { rps, mean: ((s.connections ?? CONNECTIONS) * 1000) / rps, p99: r.latency.p99, cpu, dbCpu, written }
}

/** Bytes as KiB to one decimal, or a dash where the service could not read its I/O counters. */
const kib = (bytes: number | undefined): string => (bytes === undefined ? '–' : `${(bytes / 1024).toFixed(1)} KiB`)

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

interface Row {
  name: string
  unit: string
  connections: number
  perSecond: number
  rps: number
  mean: number
  p99: number
  cpu: number
  dbCpu: number | undefined
  written: number | undefined
  perCommit?: number
}
const rows: Row[] = []

/** The services' group-commit histograms (GET /metrics): transactions, and the writes in them. */
async function groupCommits (both = false): Promise<{ commits: number; units: number }> {
  const sum = { commits: 0, units: 0 }
  for (const b of both ? [base, second!.base] : [base]) {
    const text = await (await fetch(b + '/metrics')).text()
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
    sum.commits += value('puls_group_commit_units_count')
    sum.units += value('puls_group_commit_units_sum')
  }
  return sum
}

async function measure (
  s: Scenario,
  opts: { rounds?: number; seconds?: number; quiet?: boolean } = {}
): Promise<Row | undefined> {
  return (await measureAlternating([s], opts))[0]
}

/**
 * Scenarios measured in alternating rounds (a round of each, then the next): each runs on a
 * database of the same size and in the same moments of the machine, so that their figures can be
 * compared. Scenarios that BENCH_ONLY leaves out are skipped, and answered as undefined.
 */
async function measureAlternating (
  scenarios: Scenario[],
  opts: { rounds?: number; seconds?: number; quiet?: boolean } = {}
): Promise<Array<Row | undefined>> {
  const skipped = (s: Scenario): boolean => rows.length > 0 && opts.quiet !== true && s.bare !== true && !wanted(s.name)
  const seconds = opts.seconds ?? SECONDS
  const runs = []
  for (const s of scenarios.filter(s => !skipped(s))) {
    const before = await groupCommits(s.both)
    const warm = await round(s, 1, s.counted?.warmup, await s.options(s.counted?.warmup))
    runs.push({ s, before, rps: warm.rps, rounds: [] as Round[] })
  }
  for (let i = 0; i < (opts.rounds ?? ROUNDS); i++) {
    for (const run of runs) {
      const { s } = run
      const amount = s.counted === undefined ? undefined : Math.max(s.counted.min, Math.round(run.rps * seconds))
      const options = await s.options(amount)
      // The profile covers the round itself, not the making of its inputs (tokens).
      if (CPU_PROF !== undefined) await ask({ type: 'profile', file: null }, 'profiled')
      const r = await round(s, seconds, amount, options)
      if (CPU_PROF !== undefined) {
        const file = `${rows.length}-${s.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}-${i}.cpuprofile`
        await ask({ type: 'profile', file: join(CPU_PROF, file) }, 'profiled')
      }
      run.rounds.push(r)
      run.rps = r.rps
    }
  }
  const out = new Map<Scenario, Row>()
  for (const { s, before, rounds } of runs) out.set(s, await rowOf(s, rounds, before, opts.quiet === true))
  return scenarios.map(s => out.get(s))
}

/** A scenario's row from its rounds: medians, and writes per group commit since `before`. */
async function rowOf (
  s: Scenario, rounds: Round[], before: { commits: number; units: number }, quiet: boolean
): Promise<Row> {
  const perRequest = s.perRequest ?? 1
  const row = {
    name: s.name,
    unit: s.unit ?? 'requests',
    connections: s.connections ?? CONNECTIONS,
    rps: median(rounds.map(r => r.rps)),
    perSecond: median(rounds.map(r => r.rps * perRequest)),
    mean: median(rounds.map(r => r.mean)),
    p99: median(rounds.map(r => r.p99)),
    cpu: median(rounds.map(r => r.cpu)),
    dbCpu: rounds.every(r => r.dbCpu !== undefined) ? median(rounds.map(r => r.dbCpu!)) : undefined,
    written: rounds.every(r => r.written !== undefined) ? median(rounds.map(r => r.written!)) : undefined,
    perCommit: undefined as number | undefined
  }
  // Writes per transaction over the whole row (warm-up included; alternating rows: of all of them).
  const after = await groupCommits(s.both)
  if (after.commits > before.commits) row.perCommit = (after.units - before.units) / (after.commits - before.commits)
  if (!quiet) rows.push(row)
  const grouped = row.perCommit === undefined ? '' : `, ${row.perCommit.toFixed(1)} per commit`
  console.error(
    `  ${s.name}: ${row.perSecond.toFixed(0)} ${row.unit}/s, ${row.cpu.toFixed(0)} µs CPU a request, ` +
      (row.dbCpu === undefined ? '' : `${row.dbCpu.toFixed(0)} µs database CPU a request, `) +
      `${kib(row.written)} written a request ` +
      `(rounds: ${rounds.map(r => (r.rps * perRequest).toFixed(0)).join(', ')}${grouped})`
  )
  return row
}

// ---- the scenarios ---------------------------------------------------------------------------

const relationship = await api('POST', '/v1/surveys', { name: 'bench relationship', kind: 'relationship', team: 'it' })
const postCase = await api('POST', '/v1/surveys', {
  name: 'bench post-case',
  kind: 'post_case',
  team: 'it',
  metric: 'csat'
})
const form = { 'content-type': 'application/x-www-form-urlencoded' }

console.error(`Puls bench: ${ROUNDS} rounds of ~${SECONDS} s per row after a warm-up, medians of the rounds`)

await measure({ name: 'GET /bench/noop (no-op baseline)', status: 200, options: () => ({ url: base + '/bench/noop' }) })
await measure({
  name: 'GET /bench/noop on bare Fastify (no plugins, same route, own process)',
  status: 200,
  bare: true,
  options: () => ({ url: bareBase + '/bench/noop' })
})
await measure({
  name: 'GET /bench/noop-auth (no-op with the API key check)',
  status: 200,
  options: () => ({ url: base + '/bench/noop-auth', headers: auth })
})

await measure({
  name: 'POST /bench/commit (no-op with one durable commit)',
  status: 201,
  options: () => ({ url: base + '/bench/commit', method: 'POST' })
})

const [pageToken] = await linkTokens(relationship.id, 1)
await measure({
  name: 'GET /s/:token?score=7 (survey page)',
  status: 200,
  options: () => ({ url: `${base}/s/${pageToken}?score=7` })
})

const linkAnswers = (name: string, both = false): Scenario => ({
  name,
  unit: 'answers',
  status: 303,
  both,
  counted: { warmup: 500, min: 200 },
  options: async amount => {
    // One more per connection: autocannon prepares each connection's first request up front.
    const tokens = await linkTokens(relationship.id, amount! + 2 * CONNECTIONS)
    let next = 0
    return {
      // Two instances: autocannon spreads the connections over both, half each.
      ...(both ? { url: [base, second!.base] as unknown as string } : {}),
      requests: [
        {
          method: 'POST',
          headers: form,
          setupRequest: req => ({
            ...req,
            path: `/s/${tokens[next]}`,
            body: `score=${next++ % 11}&comment=Quick+and+friendly`
          })
        }
      ]
    }
  }
})
await measure(linkAnswers('POST /s/:token (answer through a mailed or handed-out link, form, 303)'))

// PostgreSQL: a second instance of the service on the same database, the load spread over both.
const TWO = 'POST /s/:token (answer through a link, two instances on one database, form, 303)'
if (cluster !== undefined && wanted(TWO)) {
  const started = await startService(KEY, 'puls-bench-two-', storeEnv)
  const port2 = (await started.service.reply('listening')).port
  second = {
    base: `http://127.0.0.1:${port2}`,
    ask: started.service.ask,
    stop: async () => {
      started.child.kill('SIGTERM')
      await new Promise(resolve => started.child.once('exit', resolve))
      await started.smtp.close()
      rmSync(started.dataDir, { recursive: true, force: true })
    }
  }
  await measure(linkAnswers(TWO, true))
  // The second instance's jobs would share the database with the rows that follow.
  await second.stop()
}

// The same JSON answer to a survey without items and to one with five (yes/no, two ratings, a
// choice, a multi-choice): what asking why costs an answer, in the same run.
const FIVE_ITEMS = [
  { key: 'fcr', type: 'yes_no' },
  { key: 'competence', type: 'rating' },
  { key: 'speed', type: 'rating' },
  {
    key: 'channel',
    type: 'choice',
    question: { en: 'How did you reach us?' },
    options: ['phone', 'mail', 'portal'].map(key => ({ key, label: { en: key } }))
  },
  { key: 'reasons', type: 'multi_choice', options: [{ key: 'waiting' }, { key: 'repeat' }, { key: 'other' }] }
]
// In alternating rounds: the second row would otherwise run on a larger database than the first.
const jsonAnswers: Scenario[] = []
for (const [label, items] of [['score only', []], ['five items', FIVE_ITEMS]] as const) {
  const survey = await api('POST', '/v1/surveys', { name: `bench ${label}`, kind: 'post_case', team: 'it', items })
  jsonAnswers.push({
    name: `POST /s/:token (JSON answer, ${label}, 201)`,
    unit: 'answers',
    status: 201,
    counted: { warmup: 500, min: 200 },
    options: async amount => {
      const tokens = await linkTokens(survey.id, amount! + 2 * CONNECTIONS)
      let next = 0
      return {
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: req => {
              const i = next++
              const answer = items.length === 0
                ? { score: 1 + (i % 5) }
                : {
                    score: 1 + (i % 5),
                    items: {
                      fcr: i % 3 === 0 ? 'no' : 'yes',
                      competence: 1 + (i % 5),
                      speed: 1 + ((i >> 1) % 5),
                      channel: ['phone', 'mail', 'portal'][i % 3],
                      reasons: i % 2 === 0 ? ['waiting'] : ['repeat', 'other']
                    }
                  }
              return { ...req, path: `/s/${tokens[i]}`, body: JSON.stringify(answer) }
            }
          }
        ]
      }
    }
  })
}
await measureAlternating(jsonAnswers)

await measure({
  name: 'POST /s/:token (answer through a QR collector, form, 303)',
  unit: 'answers',
  status: 303,
  counted: { warmup: 500, min: 200 },
  options: async amount => {
    // Fresh collectors each round, with no cooldown and the highest hourly cap (10,000), each
    // answer from its own client address: every abuse check runs and none refuses.
    const collectors = await Promise.all(
      Array.from({ length: Math.ceil((amount! + 2 * CONNECTIONS) / 9000) }, () =>
        api('POST', `/v1/surveys/${relationship.id}/collectors`, {
          label: 'bench',
          cooldown_seconds: 0,
          max_answers_per_hour: 10_000
        })
      )
    )
    const tokens = collectors.map(c => tokenOf(c.url))
    let next = 0
    return {
      requests: [
        {
          method: 'POST',
          setupRequest: req => {
            const i = next++
            return {
              ...req,
              path: `/s/${tokens[i % tokens.length]}`,
              headers: { ...form, 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
              body: `score=${i % 11}`
            }
          }
        }
      ]
    }
  }
})

// ---- results latency at 10k, 100k and 1M answers --------------------------------------------
// One connection (a manager's browser, not a crowd), so the figure is latency. Answers are seeded
// inside the service through recordAnswer (answer and rollup in one transaction per 50,000), by
// 40 agents in 8 categories and 3 teams over the last year: posting a million would take an hour.

interface ResultRow {
  name: string
  answers: number
  cpu: number
  dbCpu: number | undefined
  first: number
  mean: number
  p99: number
  rps: number
  noop: number
}
const resultRows: ResultRow[] = []
/** BENCH_DECIDE_AHEAD=0: ask the first questions cold, as before the decide-ahead job. */
const DECIDE_AHEAD = process.env.BENCH_DECIDE_AHEAD !== '0'
interface DecideRow {
  answers: number
  seconds: number
  decided: number
  deferred: number
  requests: number
  median: number
  max: number
}
const decideRows: DecideRow[] = []
const resultsSurvey = await api('POST', '/v1/surveys', {
  name: 'bench results',
  kind: 'relationship',
  team: 'results',
  metric: 'nps'
})
// A second, small survey of the same team and metric, so that team results add two up.
const smallSurvey = await api('POST', '/v1/surveys', {
  name: 'bench results, small',
  kind: 'post_case',
  team: 'results',
  metric: 'nps'
})
await ask({ type: 'seed', surveyId: smallSurvey.id, from: 0, to: 5_000 }, 'seeded')
// The same answers with a post-case survey's default items answered (FCR, reasons after a low
// score): the same questions with item results beside the score, seeded only when asked for.
const itemsSurvey = await api('POST', '/v1/surveys', {
  name: 'bench results, items',
  kind: 'post_case',
  team: 'results-items',
  metric: 'nps'
})
const NOOP_AUTH = '/bench/noop-auth'
const QUESTIONS: Array<{ name: string; path: string }> = [
  { name: 'no-op (with the API key check)', path: NOOP_AUTH },
  { name: 'whole survey', path: `/v1/surveys/${resultsSurvey.id}/results` },
  { name: 'weekly series', path: `/v1/surveys/${resultsSurvey.id}/results?interval=week` },
  { name: 'group_by agent', path: `/v1/surveys/${resultsSurvey.id}/results?group_by=agent` },
  { name: 'filter agent', path: `/v1/surveys/${resultsSurvey.id}/results?agent=agent-07` },
  {
    name: 'filter agent, monthly series',
    path: `/v1/surveys/${resultsSurvey.id}/results?agent=agent-07&interval=month`
  },
  { name: 'two filters', path: `/v1/surveys/${resultsSurvey.id}/results?agent=agent-07&category=network` },
  { name: 'filter + group_by', path: `/v1/surveys/${resultsSurvey.id}/results?category=network&group_by=agent` },
  {
    name: 'two filters + group_by',
    path: `/v1/surveys/${resultsSurvey.id}/results?category=network&team=team-1&group_by=agent`
  },
  { name: 'team results across surveys', path: '/v1/results?team=results&metric=nps' },
  { name: 'monthly series', path: `/v1/surveys/${resultsSurvey.id}/results?interval=month` },
  { name: 'with items: monthly series', path: `/v1/surveys/${itemsSurvey.id}/results?interval=month` },
  { name: 'with items: group_by agent', path: `/v1/surveys/${itemsSurvey.id}/results?group_by=agent` },
  { name: 'with items: group_by item.fcr', path: `/v1/surveys/${itemsSurvey.id}/results?group_by=item.fcr` }
]
// BENCH_ONLY=results runs them all; BENCH_ONLY=<a question's name> runs that one (and the no-op).
const askedFor = QUESTIONS.filter(q => q.path === NOOP_AUTH || wanted('results') || wanted(q.name))
let seeded = 0
for (const size of askedFor.length > 1 ? SIZES : []) {
  const { seconds } = await ask({ type: 'seed', surveyId: resultsSurvey.id, from: seeded, to: size }, 'seeded')
  console.error(
    `seeded ${size.toLocaleString('en')} answers ` +
      `(${seconds.toFixed(1)} s for the last ${(size - seeded).toLocaleString('en')})`
  )
  if (askedFor.some(q => q.path.includes(itemsSurvey.id))) {
    const seed = { type: 'seed' as const, surveyId: itemsSurvey.id, from: seeded, to: size, items: true }
    const withItems = await ask(seed, 'seeded')
    console.error(`seeded ${size.toLocaleString('en')} answers with items (${withItems.seconds.toFixed(1)} s)`)
  }
  seeded = size
  if (DECIDE_AHEAD) {
    // Seeding changed every month: what the decide-ahead job does after start-up and when a month
    // completes. Meanwhile one connection asks the whole-survey question again and again: what a
    // request costs while the job runs (it yields after each month's decision).
    const decided = ask({ type: 'decide' }, 'decided')
    const progress = { done: false }
    decided.then(
      () => {
        progress.done = true
      },
      () => {
        progress.done = true
      }
    )
    const during: number[] = []
    while (!progress.done) {
      const started = performance.now()
      const res = await fetch(base + QUESTIONS[1]!.path, { headers: auth })
      await res.arrayBuffer()
      during.push(performance.now() - started)
    }
    const d = await decided
    during.sort((a, b) => a - b)
    decideRows.push({
      answers: size,
      seconds: d.seconds,
      decided: d.decided,
      deferred: d.deferred,
      requests: during.length,
      median: during[Math.floor(during.length / 2)] ?? 0,
      max: during.at(-1) ?? 0
    })
  }
  let noop = 0
  for (const q of askedFor) {
    // The first request after seeding (and after deciding ahead, unless BENCH_DECIDE_AHEAD=0):
    // questions about attributes decide each complete month once and keep the decision
    // (src/results/engine/attributes.ts), so without deciding ahead it can cost more than the next ones.
    // Questions on the same attributes share those decisions, so this is "first" in this order.
    const started = performance.now()
    const firstReply = await fetch(base + q.path, { headers: auth })
    const first = performance.now() - started
    if (firstReply.status !== 200) throw new Error(`${q.name}: ${firstReply.status} ${await firstReply.text()}`)
    // Counted rounds: a slow question at 1M takes a while, and one cut off by a fixed time would keep
    // the service busy into the next row. The no-op needs a longer warm-up to reach its pace.
    const counted = { warmup: q.path === NOOP_AUTH ? 2000 : 2, min: 1 }
    const r = await measure(
      {
        name: `${q.name} at ${size.toLocaleString('en')}`,
        status: 200,
        connections: 1,
        counted,
        options: () => ({ url: base + q.path, headers: auth, timeout: 120 })
      },
      { rounds: RESULT_ROUNDS, seconds: RESULT_SECONDS, quiet: true }
    )
    if (r === undefined) continue
    if (noop === 0) noop = r.mean
    const { cpu, dbCpu, mean, p99, rps } = r
    resultRows.push({ name: q.name, answers: size, cpu, dbCpu, first, mean, p99, rps, noop })
  }
}
const afterResults = await ask({ type: 'rss' }, 'rss')

/** Until the service has sent every mail queued so far: an invitation's cost includes its send. */
async function mailSent (): Promise<void> {
  while ((await ask({ type: 'outbox' }, 'outbox')).unsettled > 0) await new Promise(resolve => setTimeout(resolve, 20))
}

let invitationNo = 0
await measure({
  name: 'POST /v1/surveys/:id/invitations (one e-mail invitation, 201)',
  unit: 'invitations',
  status: 201,
  settle: mailSent,
  options: () => ({
    requests: [
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        setupRequest: req => {
          const i = invitationNo++
          return {
            ...req,
            path: `/v1/surveys/${postCase.id}/invitations`,
            body: JSON.stringify({
              email: `p${i}@example.com`,
              case_ref: `INC-${i}`,
              attributes: { agent: `a${i % 40}`, category: 'vpn' }
            })
          }
        }
      }
    ]
  })
})

let batchNo = 0
await measure({
  name: `POST /v1/surveys/:id/invitations/batch (${BATCH.toLocaleString('en')} e-mail invitations, 200)`,
  unit: 'invitations',
  perRequest: BATCH,
  status: 200,
  // One batch at a time: the mean latency is how long one batch takes to be accepted.
  connections: 1,
  counted: { warmup: 1, min: 1 },
  settle: mailSent,
  options: () => ({
    // A batch under load can take longer than autocannon's default 10 s.
    timeout: 120,
    requests: [
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        setupRequest: req => {
          const b = batchNo++
          const invitations = Array.from({ length: BATCH }, (_, i) => ({
            email: `b${b}-${i}@example.com`,
            attributes: { site: `s${i % 7}` }
          }))
          return {
            ...req,
            path: `/v1/surveys/${relationship.id}/invitations/batch`,
            body: JSON.stringify({ invitations })
          }
        }
      }
    ]
  })
}, { rounds: Math.min(ROUNDS, 3) })

const atEnd = await ask({ type: 'rss' }, 'rss')
const mailsSent = smtp.received.length
child.kill('SIGTERM')
bareChild.kill('SIGTERM')
await new Promise(resolve => child.once('exit', resolve))
await smtp.close()
rmSync(dataDir, { recursive: true, force: true })
await cluster?.stop()

// ---- the table -------------------------------------------------------------------------------

const noop = rows[0]!
const ms = (x: number): string => (x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`)
const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`
// autocannon's percentiles are whole milliseconds.
const p99 = (x: number): string => (x < 1 ? '< 1 ms' : `${x.toFixed(0)} ms`)
const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown'
console.log(
  `\nPuls bench — ${cpus().length} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
)
console.log(
  `${ROUNDS} rounds of ~${SECONDS} s per row after a warm-up; medians of the rounds; autocannon over 127.0.0.1`
)
const pool = process.env.DATABASE_POOL_SIZE ?? '10 (default)'
console.log(
  cluster === undefined
    ? 'Store: SQLite (WAL, synchronous=FULL)\n'
    : `Store: PostgreSQL, a local throwaway cluster (${cluster.settings}); pool of ${pool} an instance. ` +
      '"Written to disk" is the WAL the cluster generated (its insert position: records, not the 8 KiB pages ' +
      'a commit flushes); database CPU is all its processes\n'
)
const micros = (x: number): string => (x < 1000 ? `${x.toFixed(0)} µs` : ms(x / 1000))
const dbColumn = cluster === undefined
  ? ['', '', () => ''] as const
  : [
      ' database CPU a request |', '---:|', (x: number | undefined) => ` ${x === undefined ? '–' : micros(x)} |`
    ] as const
console.log(
  '| scenario | connections | per second | × no-op | mean latency | p99 latency | ' +
    `service CPU a request |${dbColumn[0]} written to disk a request |`
)
console.log(`|---|---:|---:|---:|---:|---:|---:|${dbColumn[1]}---:|`)
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.connections} | ${Math.round(r.perSecond).toLocaleString('en')} ${r.unit} ` +
      `| ${((r.perSecond / noop.rps) * 100).toFixed(0)} % | ${ms(r.mean)} | ${p99(r.p99)} ` +
      `| ${micros(r.cpu)} |${dbColumn[2](r.dbCpu)} ${kib(r.written)} |`
  )
}

const bareRow = rows.find(r => r.name.includes('bare Fastify'))
if (bareRow !== undefined) {
  console.log(
    '\nPuls\'s no-op against bare Fastify\'s in this run: ' +
      `${((noop.rps / bareRow.rps) * 100).toFixed(0)} % of its rate, ` +
      `${((bareRow.cpu / noop.cpu) * 100).toFixed(0)} % by service CPU a request ` +
      `(${noop.cpu.toFixed(0)} µs against ${bareRow.cpu.toFixed(0)} µs)`
  )
}

const grouped = rows.filter(r => r.perCommit !== undefined)
if (grouped.length > 0) {
  const perTransaction = grouped.map(
    r => `${r.name.replace(/^.*\((.*)\)$/, '$1')}: ${r.perCommit!.toFixed(1)} answers per transaction`
  )
  console.log(`\nGroup commit (puls_group_commit_units at GET /metrics): ${perTransaction.join('; ')}`)
}

console.log(
  `\nResults latency, 1 connection, ${RESULT_ROUNDS} rounds of ~${RESULT_SECONDS} s after a warm-up; ` +
    "× no-op is the latency's multiple of the no-op route's at the same size\n"
)
console.log(
  '| question | answers | first request | mean latency | p99 latency | requests/s | × no-op latency ' +
    `| service CPU a request |${dbColumn[0]}`
)
console.log(`|---|---:|---:|---:|---:|---:|---:|---:|${dbColumn[1]}`)
for (const r of resultRows) {
  console.log(
    `| ${r.name} | ${r.answers.toLocaleString('en')} | ${ms(r.first)} | ${ms(r.mean)} | ${p99(r.p99)} ` +
      `| ${r.rps < 10 ? r.rps.toFixed(1) : Math.round(r.rps)} | ${Math.round(r.mean / r.noop)} ` +
      `| ${micros(r.cpu)} |${dbColumn[2](r.dbCpu)}`
  )
}

if (decideRows.length > 0) {
  console.log(
    '\nDeciding complete months ahead after seeding (the decide-ahead job), ' +
      'and the whole-survey question asked meanwhile\n'
  )
  console.log(
    '| answers | decide-ahead took | month decisions | deferred | requests meanwhile | their median | their slowest |'
  )
  console.log('|---:|---:|---:|---:|---:|---:|---:|')
  for (const d of decideRows) {
    console.log(
      `| ${d.answers.toLocaleString('en')} | ${d.seconds.toFixed(1)} s | ${d.decided} | ${d.deferred} ` +
        `| ${d.requests} | ${ms(d.median)} | ${ms(d.max)} |`
    )
  }
}

const memory = (m: typeof startup): string =>
  `peak RSS ${mib(m.maxRssKiB)}, RSS ${mib(m.rssKiB)}, heap after a full GC ` +
  (m.heapAfterGcKiB === undefined ? '–' : mib(m.heapAfterGcKiB))
console.log(
  '\nMemory of the service process (read in the service: process.resourceUsage().maxRSS, ' +
    'process.memoryUsage(), heap after global.gc()):\n' +
    `- after start-up: ${memory(startup)}\n` +
    `- after seeding and querying ${seeded.toLocaleString('en')} answers: ${memory(afterResults)}\n` +
    `- at the end: ${memory(atEnd)}\n` +
    `Mail the service sent meanwhile to the SMTP server: ${mailsSent.toLocaleString('en')}.`
)

// Mail: throughput to an SMTP server on 127.0.0.1, against nodemailer's pool alone (bench/mail.ts).
const mails = Number(process.env.BENCH_MAILS ?? 2000)
if (mails > 0) {
  console.log(`\nMail to an SMTP server on 127.0.0.1, in one process (${mails} mails)\n`)
  console.log(formatRows(await mailBench({ mails })))
}
