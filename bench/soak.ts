import { openSync, readSync, closeSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startService } from './child.js'

// `npm run bench:soak`: mixed load against the real service (bench/server.ts, its own process, a
// SQLite file with WAL and synchronous=FULL, mail to an SMTP server on 127.0.0.1) for SOAK_MINUTES
// (default 10): survey pages, answers through links and collectors, case-closed events that mail,
// results questions, and a batch of e-mail invitations every minute. Each minute it prints the
// requests per route, their p99, the service's RSS and heap after a full GC, the WAL's size and how
// often it was restarted (a checkpoint copied it into the database). At the end it checks that
// every acknowledged answer is stored and every mail queued was sent, once.

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10)
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 6)
const BATCH = Number(process.env.SOAK_BATCH ?? 1000)
const KEY = 'soak-bootstrap-key-0123456789abcd'

const { dataDir, smtp, child, service } = await startService(KEY, 'puls-soak-')
const base = `http://127.0.0.1:${(await service.reply('listening')).port}`
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }

async function api (method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: auth,
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`)
  return res.json()
}
const tokenOf = (url: string): string => url.slice(url.lastIndexOf('/s/') + 3)

const relationship = await api('POST', '/v1/surveys', { name: 'soak', kind: 'relationship', team: 'it', metric: 'nps' })
await api('POST', '/v1/surveys', { name: 'soak cases', kind: 'post_case', team: 'desk', metric: 'csat' })
// Collectors with no cooldown and the highest hourly cap; a fresh one every 8,000 answers.
const collectors: string[] = []
let collectorAnswers = 0
async function collectorToken (): Promise<string> {
  const index = Math.floor(collectorAnswers++ / 8000)
  while (collectors.length <= index) {
    const c = await api('POST', `/v1/surveys/${relationship.id}/collectors`, {
      label: `soak ${collectors.length}`,
      cooldown_seconds: 0,
      max_answers_per_hour: 10_000
    })
    collectors.push(tokenOf(c.url))
  }
  return collectors[index]!
}

// Link tokens, made ahead through the batch API and used once each.
const links: string[] = []
async function moreLinks (): Promise<void> {
  const { items } = await api('POST', `/v1/surveys/${relationship.id}/invitations/batch`, {
    invitations: Array.from({ length: 2000 }, () => ({ channel: 'link' }))
  })
  links.push(...items.map((i: { url: string }) => tokenOf(i.url)))
}
await moreLinks()
const pageToken = links.pop()!

// ---- what happens, per minute ----------------------------------------------------------------

interface Minute {
  latencies: Map<string, number[]>
  errors: number
}
const minutes: Minute[] = []
const current = (): Minute => minutes.at(-1)!
const totals = { answers: 0, mailedInvitations: 0, errors: 0, requests: 0 }
const errorSamples: string[] = []

async function timed (route: string, expect: number[], request: () => Promise<Response>): Promise<Response | null> {
  const started = performance.now()
  let res: Response
  try {
    res = await request()
    await res.arrayBuffer()
  } catch (err) {
    current().errors++
    totals.errors++
    if (errorSamples.length < 5) errorSamples.push(`${route}: ${String(err)}`)
    return null
  }
  const ms = performance.now() - started
  const list = current().latencies.get(route) ?? []
  list.push(ms)
  current().latencies.set(route, list)
  totals.requests++
  if (!expect.includes(res.status)) {
    current().errors++
    totals.errors++
    if (errorSamples.length < 5) errorSamples.push(`${route}: ${res.status}`)
    return null
  }
  return res
}

const form = { 'content-type': 'application/x-www-form-urlencoded' }
let n = 0
const OPERATIONS: Array<[weight: number, run: () => Promise<void>]> = [
  [30, async () => { await timed('GET /s/:token', [200], () => fetch(`${base}/s/${pageToken}?score=7`)) }],
  [25, async () => {
    if (links.length < 100) await moreLinks()
    const token = links.pop()!
    const res = await timed('POST /s/:token (link)', [303], () => fetch(`${base}/s/${token}`, {
      method: 'POST', redirect: 'manual', headers: form, body: `score=${n % 11}&comment=soak`
    }))
    if (res !== null) totals.answers++
  }],
  [15, async () => {
    const i = n
    const token = await collectorToken()
    const res = await timed('POST /s/:token (collector)', [303], () => fetch(`${base}/s/${token}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...form, 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      body: `score=${i % 11}`
    }))
    if (res !== null) totals.answers++
  }],
  [10, async () => {
    const i = n
    const res = await timed('POST /v1/events/case-closed', [201], () => fetch(`${base}/v1/events/case-closed`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ case_ref: `INC-${i}`, email: `case${i}@example.com`, team: 'desk', agent: `a${i % 9}` })
    }))
    if (res !== null) totals.mailedInvitations++
  }],
  [10, async () => {
    await timed('GET /v1/surveys/:id/results', [200], () => fetch(`${base}/v1/surveys/${relationship.id}/results`, {
      headers: auth
    }))
  }],
  [5, async () => {
    await timed('GET /v1/surveys/:id/results?interval=week', [200], () =>
      fetch(`${base}/v1/surveys/${relationship.id}/results?interval=week`, { headers: auth }))
  }]
]
const WEIGHTS = OPERATIONS.reduce((sum, [w]) => sum + w, 0)
function pick (): () => Promise<void> {
  let r = ((n++ * 2654435761) % 4294967296) / 4294967296 * WEIGHTS
  for (const [w, run] of OPERATIONS) {
    if ((r -= w) < 0) return run
  }
  return OPERATIONS[0]![1]
}

let batchNo = 0
async function invitationBatch (): Promise<void> {
  const b = batchNo++
  const res = await timed('POST /v1/surveys/:id/invitations/batch (e-mail)', [200], () =>
    fetch(`${base}/v1/surveys/${relationship.id}/invitations/batch`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        invitations: Array.from({ length: BATCH }, (_, i) => ({ email: `soak${b}-${i}@example.com` }))
      })
    }))
  if (res !== null) totals.mailedInvitations += BATCH
}

// The WAL's salt changes each time SQLite restarts the log after a checkpoint copied it back.
const walFile = join(dataDir, 'puls.db-wal')
function walState (): { bytes: number; salt: string } {
  try {
    const fd = openSync(walFile, 'r')
    const header = Buffer.alloc(24)
    readSync(fd, header, 0, 24, 0)
    closeSync(fd)
    return { bytes: statSync(walFile).size, salt: header.subarray(16, 24).toString('hex') }
  } catch {
    return { bytes: 0, salt: '' }
  }
}
let restarts = 0
let lastSalt = walState().salt
let walMax = 0
const walTimer = setInterval(() => {
  const { bytes, salt } = walState()
  if (salt !== lastSalt) restarts++
  lastSalt = salt
  walMax = Math.max(walMax, bytes)
}, 250)

// ---- running -----------------------------------------------------------------------------------

console.error(`Puls soak: ${MINUTES} min, ${CLIENTS} clients, a batch of ${BATCH} e-mail invitations a minute`)
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0
}
const report: string[] = []
const started = Date.now()
const end = started + MINUTES * 60_000
const running = { stop: false }
const clients = Array.from({ length: CLIENTS }, async () => {
  while (!running.stop) await pick()()
})

for (let m = 0; m < MINUTES; m++) {
  minutes.push({ latencies: new Map(), errors: 0 })
  const restartsBefore = restarts
  walMax = 0
  const batch = invitationBatch()
  await new Promise(resolve => setTimeout(resolve, Math.max(0, Math.min(end, started + (m + 1) * 60_000) - Date.now())))
  await batch
  const mem = await service.ask({ type: 'rss' }, 'rss')
  const minute = current()
  const routes = [...minute.latencies].map(([route, ms]) => `${route} ${ms.length} p99 ${pct(ms, 0.99).toFixed(0)} ms`)
  const requests = [...minute.latencies.values()].reduce((sum, l) => sum + l.length, 0)
  const line =
    `| ${m + 1} | ${requests} | ${(mem.rssKiB / 1024).toFixed(0)} MiB | ` +
    `${((mem.heapAfterGcKiB ?? 0) / 1024).toFixed(0)} MiB | ${(walMax / 2 ** 20).toFixed(1)} MiB | ` +
    `${restarts - restartsBefore} | ${minute.errors} | ${routes.join('; ')} |`
  report.push(line)
  console.error(line)
}
running.stop = true
await Promise.all(clients)
clearInterval(walTimer)

// ---- accounting --------------------------------------------------------------------------------

// Every mail queued goes out: wait for the outbox to settle (bounded), then count.
const deadline = Date.now() + 5 * 60_000
while ((await service.ask({ type: 'outbox' }, 'outbox')).unsettled > 0 && Date.now() < deadline) {
  await new Promise(resolve => setTimeout(resolve, 200))
}
const counts = await service.ask({ type: 'counts' }, 'counts')
const received = smtp.received.length
const checks = [
  [`answers acknowledged ${totals.answers}, stored ${counts.responses}`, counts.responses === totals.answers],
  [
    `e-mail invitations accepted ${totals.mailedInvitations}, made ${counts.mailedInvitations}`,
    counts.mailedInvitations === totals.mailedInvitations
  ],
  [
    `mails received by the SMTP server ${received}, recorded sent ${counts.mails.sent ?? 0}, ` +
      `outbox ${JSON.stringify(counts.mails)}`,
    received === totals.mailedInvitations && (counts.mails.sent ?? 0) === received
  ],
  [`errors ${totals.errors}${errorSamples.length > 0 ? ` (${errorSamples.join('; ')})` : ''}`, totals.errors === 0]
] as const

child.kill('SIGTERM')
await new Promise(resolve => child.once('exit', resolve))
await smtp.close()
rmSync(dataDir, { recursive: true, force: true })

console.log(`\nPuls soak — ${MINUTES} min, ${CLIENTS} clients, ${totals.requests.toLocaleString('en')} requests\n`)
console.log(
  '| minute | requests | RSS | heap after GC | WAL (largest) | WAL restarts | errors | per route: requests, p99 |'
)
console.log('|---:|---:|---:|---:|---:|---:|---:|---|')
for (const line of report) console.log(line)
console.log('')
for (const [text, ok] of checks) console.log(`${ok ? 'ok' : 'NOT OK'}: ${text}`)
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1
