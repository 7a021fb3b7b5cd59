import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import nodemailer from 'nodemailer'
import app, { serverOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { startSmtp } from '../test/helpers/smtp.js'

// Mail throughput to an SMTP server on 127.0.0.1 (in this process): e-mail invitations end to end
// (the batch route queues them, the worker claims, renders, sends over the pooled transport and
// records), against nodemailer's pool alone with the same settings and a message of the same
// kind, so the ratio shows what the outbox's durability costs.

export interface BenchRow {
  name: string
  ops: number
  seconds: number
  perSecond: number
  /** perSecond relative to the baseline row of the same section. */
  ratio: number
}

const SAMPLE = {
  purpose: 'invitation' as const,
  kind: 'post_case' as const,
  metric: 'csat' as const,
  locale: 'en' as const,
  question: 'How satisfied are you with the help you received?',
  expiresAt: new Date('2030-01-08T00:00:00Z'),
  caseRef: 'INC-1'
}

const KEY = 'mail-bench-key-0123456789abcdef'

async function timed (fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e9
}

export async function mailBench (opts: { mails?: number } = {}): Promise<BenchRow[]> {
  const mails = opts.mails ?? 2000
  const smtp = await startSmtp(undefined, { parse: false })
  const dataDir = mkdtempSync(join(tmpdir(), 'puls-bench-mail-'))
  const config = loadConfig({ PULS_DATA_DIR: dataDir, SMTP_URL: smtp.url, LOG_LEVEL: 'silent', PULS_API_KEY: KEY })
  const fastify = Fastify(serverOptions(config))
  try {
    await fastify.register(app, { config })
    await fastify.ready()

    // Baseline: the same message through a bare pool (same connection settings as the service).
    const sample = fastify.outbox.compose({ ...SAMPLE, token: 'bench-token' })
    const pool = nodemailer.createTransport(
      { url: smtp.url, pool: true, maxConnections: 5, maxMessages: 1000 },
      { from: config.mailFrom }
    )
    const bare = await timed(() =>
      Promise.all(
        Array.from({ length: mails }, (_, i) =>
          pool.sendMail({
            to: `bare${i}@example.com`,
            subject: sample.subject,
            text: sample.text,
            html: sample.html,
            headers: sample.headers
          })
        )
      )
    )
    pool.close()
    await smtp.waitFor(mails, 60_000)

    // What an e-mail invitation does: the batch route in one request (invitations and their mail
    // queued in one transaction), then the worker renders and sends each mail and records it.
    const survey = (
      await fastify.inject({
        method: 'POST',
        url: '/v1/surveys',
        headers: { authorization: `Bearer ${KEY}` },
        payload: { name: 'mail bench', kind: 'relationship', team: 'it' }
      })
    ).json<{ id: string }>()
    const queued = await timed(async () => {
      const res = await fastify.inject({
        method: 'POST',
        url: `/v1/surveys/${survey.id}/invitations/batch`,
        headers: { authorization: `Bearer ${KEY}` },
        payload: { invitations: Array.from({ length: mails }, (_, i) => ({ email: `p${i}@example.com` })) }
      })
      if (res.statusCode !== 200) throw new Error(`invitations: ${res.statusCode} ${res.body.slice(0, 300)}`)
    })
    const sent = await timed(async () => {
      while (smtp.received.length < 2 * mails) await fastify.outbox.flush()
    })
    const rows = [
      { name: 'nodemailer pool alone (baseline)', ops: mails, seconds: bare },
      { name: 'outbox send (claim, render, SMTP, record sent)', ops: mails, seconds: sent },
      { name: 'invite + queue (one batch request, one transaction)', ops: mails, seconds: queued },
      { name: 'end to end (invite, queue, render, send)', ops: mails, seconds: queued + sent }
    ]
    const baseline = mails / bare
    return rows.map(r => ({ ...r, perSecond: r.ops / r.seconds, ratio: r.ops / r.seconds / baseline }))
  } finally {
    await fastify.close()
    await smtp.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** A markdown table, like the rest of `npm run bench`. */
export function formatRows (rows: BenchRow[]): string {
  return [
    '| mail | mails | time | mails/s | / pool alone |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      r => `| ${r.name} | ${r.ops} | ${r.seconds.toFixed(2)} s | ${r.perSecond.toFixed(0)} | ${r.ratio.toFixed(2)}× |`
    )
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mails = Number(process.env.BENCH_MAILS ?? 2000)
  console.log(`mail throughput to an SMTP server on 127.0.0.1 (${mails} mails)`)
  console.log(formatRows(await mailBench({ mails })))
}
