import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { startSmtp } from '../test/helpers/smtp.js'
import { formatRows, mailBench } from './mail.js'
import type { BenchReply, BenchRequest } from './server.js'

// `npm run bench`: the real service (bench/server.ts: the app plugin in its own process, on
// 127.0.0.1, a temporary SQLite file with WAL and synchronous=FULL, its mail going to an SMTP
// server on 127.0.0.1) driven over a real socket by autocannon. Every row is the median of
// BENCH_ROUNDS rounds of about BENCH_SECONDS after a warm-up, and its ratio to the no-op route
// measured in the same run: ratios hold across machines better than rates do.

const KEY = 'bench-bootstrap-key-0123456789'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONNECTIONS = 10
const BATCH = 1000
/** BENCH_CPU_PROF=<dir>: the service writes a V8 CPU profile there (open it in Chrome DevTools). */
const CPU_PROF = process.env.BENCH_CPU_PROF

// ---- the service, in a child process --------------------------------------------------------

const dataDir = mkdtempSync(join(tmpdir(), 'puls-bench-'))
const smtp = await startSmtp(undefined, { parse: false })
const child: ChildProcess = fork(new URL('./server.ts', import.meta.url), {
  execArgv: ['--import', 'tsx', ...(CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`])],
  env: {
    PATH: process.env.PATH,
    PULS_DATA_DIR: dataDir,
    PULS_API_KEY: KEY,
    LOG_LEVEL: 'silent',
    SMTP_URL: smtp.url,
    // The general per-client limit would refuse one client's thousands of requests a minute; it is
    // the routes that are measured, not the limiter's refusals.
    RATE_LIMIT_MAX: '0',
    // Collector answers each carry their own X-Forwarded-For, so that the per-client answer
    // limit (30 a minute) is exercised on every answer without refusing the bench.
    TRUST_PROXY: 'true'
  },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc']
})
const replies: BenchReply[] = []
const waiting: Array<() => void> = []
child.on('message', (reply: BenchReply) => { replies.push(reply); for (const w of waiting.splice(0)) w() })
child.on('exit', code => { if (code !== 0 && code !== null) console.error(`the service exited with ${code}`) })

async function reply<T extends BenchReply['type']> (type: T): Promise<Extract<BenchReply, { type: T }>> {
  for (;;) {
    const i = replies.findIndex(r => r.type === type)
    if (i >= 0) return replies.splice(i, 1)[0] as Extract<BenchReply, { type: T }>
    await new Promise<void>(resolve => waiting.push(resolve))
  }
}

function ask<T extends BenchReply['type']> (request: BenchRequest, type: T): Promise<Extract<BenchReply, { type: T }>> {
  child.send(request)
  return reply(type)
}

const { port } = await reply('listening')
const base = `http://127.0.0.1:${port}`
const auth = { authorization: `Bearer ${KEY}` }
const startupRssKiB = (await ask({ type: 'rss' }, 'rss')).maxRssKiB

async function api (method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, { method, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`)
  return res.json()
}

const tokenOf = (url: string): string => url.slice(url.lastIndexOf('/s/') + 3)

/** `n` fresh link-invitation tokens, made through the batch API (10,000 a call). */
async function linkTokens (surveyId: string, n: number): Promise<string[]> {
  const tokens: string[] = []
  while (tokens.length < n) {
    const size = Math.min(10_000, n - tokens.length)
    const { items } = await api('POST', `/v1/surveys/${surveyId}/invitations/batch`, { invitations: Array.from({ length: size }, () => ({ channel: 'link' })) })
    tokens.push(...items.map((i: { url: string }) => tokenOf(i.url)))
  }
  return tokens
}

// ---- measuring -----------------------------------------------------------------------------

interface Round { rps: number, mean: number, p99: number }

interface Scenario {
  name: string
  /** What one request makes, and how many: answers, invitations. */
  unit?: string
  perRequest?: number
  status: number
  connections?: number
  /**
   * Uses up an input per request (a token): each round then makes a fixed `amount` of requests,
   * sized from the last round's rate to last about BENCH_SECONDS, with inputs made beforehand.
   */
  consumes?: boolean
  /** autocannon options for one round; `amount` is set for scenarios that consume. */
  options: (amount: number | undefined) => Promise<Partial<autocannon.Options>> | Partial<autocannon.Options>
}

async function round (s: Scenario, seconds: number, amount: number | undefined): Promise<Round> {
  const options = await s.options(amount)
  const r = await autocannon({
    url: base,
    connections: s.connections ?? CONNECTIONS,
    ...(amount === undefined ? { duration: seconds } : { amount }),
    ...options
  })
  const statuses = Object.entries(r.statusCodeStats ?? {}).map(([code, { count }]) => `${code}×${count ?? 0}`)
  const wrong = Object.keys(r.statusCodeStats ?? {}).filter(code => Number(code) !== s.status)
  if (wrong.length > 0 || r.errors > 0 || r.timeouts > 0) {
    throw new Error(`${s.name}: expected only ${s.status}, got ${statuses.join(' ')}, ${r.errors} errors, ${r.timeouts} timeouts`)
  }
  return { rps: r.requests.total / r.duration, mean: r.latency.mean, p99: r.latency.p99 }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

interface Row { name: string, unit: string, connections: number, perSecond: number, rps: number, mean: number, p99: number }
const rows: Row[] = []

async function measure (s: Scenario): Promise<Row> {
  const amountFor = (rps: number): number | undefined => s.consumes === true ? Math.max(200, Math.round(rps * SECONDS)) : undefined
  const warm = await round(s, 1, s.consumes === true ? 500 : undefined)
  const rounds: Round[] = []
  let rps = warm.rps
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round(s, SECONDS, amountFor(rps))
    rounds.push(r)
    rps = r.rps
  }
  const perRequest = s.perRequest ?? 1
  const row = {
    name: s.name,
    unit: s.unit ?? 'requests',
    connections: s.connections ?? CONNECTIONS,
    rps: median(rounds.map(r => r.rps)),
    perSecond: median(rounds.map(r => r.rps * perRequest)),
    mean: median(rounds.map(r => r.mean)),
    p99: median(rounds.map(r => r.p99))
  }
  rows.push(row)
  console.error(`  ${s.name}: ${row.perSecond.toFixed(0)} ${row.unit}/s (rounds: ${rounds.map(r => (r.rps * perRequest).toFixed(0)).join(', ')})`)
  return row
}

// ---- the scenarios ---------------------------------------------------------------------------

const relationship = await api('POST', '/v1/surveys', { name: 'bench relationship', kind: 'relationship', team: 'it' })
const postCase = await api('POST', '/v1/surveys', { name: 'bench post-case', kind: 'post_case', team: 'it', metric: 'csat' })
const form = { 'content-type': 'application/x-www-form-urlencoded' }

console.error(`Puls bench: ${ROUNDS} rounds of ~${SECONDS} s per row after a warm-up, medians of the rounds`)

await measure({ name: 'GET /bench/noop (no-op baseline)', status: 200, options: () => ({ url: base + '/bench/noop' }) })
await measure({ name: 'GET /bench/noop-auth (no-op with the API key check)', status: 200, options: () => ({ url: base + '/bench/noop-auth', headers: auth }) })

const [pageToken] = await linkTokens(relationship.id, 1)
await measure({ name: 'GET /s/:token?score=7 (survey page)', status: 200, options: () => ({ url: `${base}/s/${pageToken}?score=7` }) })

await measure({
  name: 'POST /s/:token (answer through a mailed or handed-out link, form, 303)',
  unit: 'answers',
  status: 303,
  consumes: true,
  options: async amount => {
    // One more per connection: autocannon prepares each connection's first request up front.
    const tokens = await linkTokens(relationship.id, amount! + 2 * CONNECTIONS)
    let next = 0
    return {
      requests: [{
        method: 'POST',
        headers: form,
        setupRequest: req => ({ ...req, path: `/s/${tokens[next]}`, body: `score=${next++ % 11}&comment=Quick+and+friendly` })
      }]
    }
  }
})

await measure({
  name: 'POST /s/:token (answer through a QR collector, form, 303)',
  unit: 'answers',
  status: 303,
  consumes: true,
  options: async amount => {
    // Fresh collectors each round, with no cooldown and the highest hourly cap (10,000), each
    // answer from its own client address: every abuse check runs and none refuses.
    const collectors = await Promise.all(Array.from({ length: Math.ceil((amount! + 2 * CONNECTIONS) / 9000) }, () =>
      api('POST', `/v1/surveys/${relationship.id}/collectors`, { label: 'bench', cooldown_seconds: 0, max_answers_per_hour: 10_000 })))
    const tokens = collectors.map(c => tokenOf(c.url))
    let next = 0
    return {
      requests: [{
        method: 'POST',
        setupRequest: req => {
          const i = next++
          return { ...req, path: `/s/${tokens[i % tokens.length]}`, headers: { ...form, 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }, body: `score=${i % 11}` }
        }
      }]
    }
  }
})

// ---- RESULTS SLOT (issue 6) -------------------------------------------------------------------
// Results latency at 10k, 100k and 1M answers goes here once the results routes land on main.

let invitationNo = 0
await measure({
  name: 'POST /v1/surveys/:id/invitations (one e-mail invitation, 201)',
  unit: 'invitations',
  status: 201,
  options: () => ({
    requests: [{
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      setupRequest: req => {
        const i = invitationNo++
        return { ...req, path: `/v1/surveys/${postCase.id}/invitations`, body: JSON.stringify({ email: `p${i}@example.com`, case_ref: `INC-${i}`, attributes: { agent: `a${i % 40}`, category: 'vpn' } }) }
      }
    }]
  })
})

let batchNo = 0
await measure({
  name: `POST /v1/surveys/:id/invitations/batch (${BATCH.toLocaleString('en')} e-mail invitations, 200)`,
  unit: 'invitations',
  perRequest: BATCH,
  status: 200,
  connections: 2,
  options: () => ({
    requests: [{
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      setupRequest: req => {
        const b = batchNo++
        const invitations = Array.from({ length: BATCH }, (_, i) => ({ email: `b${b}-${i}@example.com`, attributes: { site: `s${i % 7}` } }))
        return { ...req, path: `/v1/surveys/${relationship.id}/invitations/batch`, body: JSON.stringify({ invitations }) }
      }
    }]
  })
})

const peakRssKiB = (await ask({ type: 'rss' }, 'rss')).maxRssKiB
const mailsSent = smtp.received.length
child.kill('SIGTERM')
await new Promise(resolve => child.once('exit', resolve))
await smtp.close()
rmSync(dataDir, { recursive: true, force: true })

// ---- the table -------------------------------------------------------------------------------

const noop = rows[0]!
const ms = (x: number): string => x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`
const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown'
console.log(`\nPuls bench — ${cpus().length} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`)
console.log(`${ROUNDS} rounds of ~${SECONDS} s per row after a warm-up; medians of the rounds; autocannon over 127.0.0.1\n`)
console.log('| scenario | connections | per second | × no-op | mean latency | p99 latency |')
console.log('|---|---:|---:|---:|---:|---:|')
for (const r of rows) {
  console.log(`| ${r.name} | ${r.connections} | ${Math.round(r.perSecond).toLocaleString('en')} ${r.unit} | ${(r.perSecond / noop.rps * 100).toFixed(0)} % | ${ms(r.mean)} | ${ms(r.p99)} |`)
}
console.log(`\nPeak RSS of the service process: ${(startupRssKiB / 1024).toFixed(0)} MiB after start-up, ${(peakRssKiB / 1024).toFixed(0)} MiB over the whole run ` +
  `(process.resourceUsage().maxRSS in the service). Mail the service sent meanwhile to the SMTP server: ${mailsSent.toLocaleString('en')}.`)

// Mail: throughput to an SMTP server on 127.0.0.1, against nodemailer's pool alone (bench/mail.ts).
const mails = Number(process.env.BENCH_MAILS ?? 2000)
console.log(`\nMail to an SMTP server on 127.0.0.1, in one process (${mails} mails)\n`)
console.log(formatRows(await mailBench({ mails })))
