import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type InjectOptions } from 'fastify'
import app, { serverOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { formatRows, mailBench } from './mail.js'

// `npm run bench`: the respondent, invitation and collector paths against a no-op route, in one process on
// a real SQLite file (WAL, synchronous=FULL), through app.inject (no sockets, so the numbers are
// the service's own cost). Ratios to the no-op route hold across machines better than times do.

const KEY = 'bench-bootstrap-key-0123456789'
const dataDir = mkdtempSync(join(tmpdir(), 'puls-bench-'))
// RATE_LIMIT_MAX=0: the general per-client limit on public routes would refuse one client's 2,000
// requests a minute, and it is the routes that are measured here, not the limiter's refusals.
const config = loadConfig({ PULS_DATA_DIR: dataDir, PULS_API_KEY: KEY, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '0' })
const fastify = Fastify(serverOptions(config))
await fastify.register(app, { config })
await fastify.ready()
const auth = { authorization: `Bearer ${KEY}` }

interface Row { name: string, n: number, meanUs: number, p50Us: number, p99Us: number }
const table: Row[] = []

async function measure (name: string, n: number, request: (i: number) => InjectOptions, expect: number): Promise<void> {
  for (let i = 0; i < Math.min(50, n); i++) await fastify.inject(request(n + i)) // warm-up, on spare inputs
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const opts = request(i)
    const start = process.hrtime.bigint()
    const res = await fastify.inject(opts)
    times.push(Number(process.hrtime.bigint() - start) / 1000)
    if (res.statusCode !== expect) throw new Error(`${name}: ${res.statusCode} ${res.body.slice(0, 200)}`)
  }
  times.sort((a, b) => a - b)
  table.push({ name, n, meanUs: times.reduce((a, b) => a + b, 0) / n, p50Us: times[Math.floor(n / 2)]!, p99Us: times[Math.floor(n * 0.99)]! })
}

const survey = (await fastify.inject({ method: 'POST', url: '/v1/surveys', headers: auth, payload: { name: 'bench', kind: 'relationship', team: 'it' } })).json()
const N = 2000
// Tokens for the page and submit rows, made by one batch (itself timed below at full size).
const links = (await fastify.inject({
  method: 'POST',
  url: `/v1/surveys/${survey.id}/invitations/batch`,
  headers: auth,
  payload: { invitations: Array.from({ length: N + 50 }, (_, i) => ({ channel: 'link', attributes: { site: `s${i % 7}` } })) }
})).json().items.map((i: { url: string }) => i.url.split('/s/')[1])

await measure('GET /healthz (no-op baseline)', N, () => ({ url: '/healthz' }), 200)
await measure('GET /s/:token (survey page)', N, i => ({ url: `/s/${links[i % links.length]}?score=7` }), 200)
await measure('POST /s/:token (form answer, 303)', N, i => ({
  method: 'POST',
  url: `/s/${links[i]}`,
  payload: `score=${i % 11}&comment=fine`,
  headers: { 'content-type': 'application/x-www-form-urlencoded' }
}), 303)
// A collector with neither cooldown nor a cap in the way; each answer comes from its own address,
// so the per-client limit (30 a minute) is not what is measured.
const collector = (await fastify.inject({
  method: 'POST', url: `/v1/surveys/${survey.id}/collectors`, headers: auth, payload: { label: 'bench', cooldown_seconds: 0, max_answers_per_hour: 10_000 }
})).json()
const collectorToken = collector.url.split('/s/')[1]
await measure('GET /s/:token (collector page)', N, () => ({ url: `/s/${collectorToken}` }), 200)
await measure('POST /s/:token (collector answer, 303)', N, i => ({
  method: 'POST',
  url: `/s/${collectorToken}`,
  payload: `score=${i % 11}`,
  remoteAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  headers: { 'content-type': 'application/x-www-form-urlencoded' }
}), 303)
await measure('GET /v1/collectors/:id/qr (SVG)', 500, () => ({ url: `/v1/collectors/${collector.id}/qr?format=svg`, headers: auth }), 200)
await measure('GET /v1/collectors/:id/qr (PNG, 512 px)', 200, () => ({ url: `/v1/collectors/${collector.id}/qr?format=png`, headers: auth }), 200)
await measure('GET /v1/collectors/:id/poster', 500, () => ({ url: `/v1/collectors/${collector.id}/poster`, headers: auth }), 200)
await measure('POST /v1/surveys/:id/invitations (email)', N, i => ({
  method: 'POST', url: `/v1/surveys/${survey.id}/invitations`, headers: auth, payload: { email: `p${i}@example.com`, case_ref: `c${i}` }
}), 201)
let batchNo = 0
await measure('POST …/invitations/batch (10,000 e-mails)', 3, () => {
  const b = batchNo++
  return {
    method: 'POST',
    url: `/v1/surveys/${survey.id}/invitations/batch`,
    headers: auth,
    payload: { invitations: Array.from({ length: 10_000 }, (_, i) => ({ email: `b${b}-${i}@example.com`, attributes: { site: 'oslo' } })) }
  }
}, 200)

await fastify.close()
rmSync(dataDir, { recursive: true, force: true })

const base = table[0]!
const fmt = (us: number) => us >= 10_000 ? `${(us / 1000).toFixed(0)} ms` : `${us.toFixed(0)} µs`
console.log('\n| route | n | mean | p50 | p99 | mean / no-op | p50 / no-op |\n|---|---:|---:|---:|---:|---:|---:|')
for (const r of table) {
  console.log(`| ${r.name} | ${r.n} | ${fmt(r.meanUs)} | ${fmt(r.p50Us)} | ${fmt(r.p99Us)} | ${(r.meanUs / base.meanUs).toFixed(1)}× | ${(r.p50Us / base.p50Us).toFixed(1)}× |`)
}

// Mail: throughput to an SMTP server on 127.0.0.1, against nodemailer's pool alone (bench/mail.ts).
const mails = Number(process.env.BENCH_MAILS ?? 2000)
console.log(`\nMail to an SMTP server on 127.0.0.1 (${mails} mails; e-mail invitations above include rendering and queueing theirs)\n`)
console.log(formatRows(await mailBench({ mails })))
