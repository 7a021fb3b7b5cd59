import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSmtp } from '../test/helpers/smtp.js'
import type { BenchReply, BenchRequest } from './server.js'

/** Talks to a bench child over the fork IPC channel: requests out, typed replies back. */
export function channel (proc: ChildProcess, name: string): {
  reply: <T extends BenchReply['type']>(type: T) => Promise<Extract<BenchReply, { type: T }>>
  ask: <T extends BenchReply['type']>(request: BenchRequest, type: T) => Promise<Extract<BenchReply, { type: T }>>
} {
  const replies: BenchReply[] = []
  const waiting: Array<() => void> = []
  proc.on('message', (reply: BenchReply) => {
    replies.push(reply)
    for (const w of waiting.splice(0)) w()
  })
  proc.on('exit', code => {
    if (code !== 0 && code !== null) console.error(`${name} exited with ${code}`)
  })
  async function reply<T extends BenchReply['type']> (type: T): Promise<Extract<BenchReply, { type: T }>> {
    for (;;) {
      const i = replies.findIndex(r => r.type === type)
      if (i >= 0) return replies.splice(i, 1)[0] as Extract<BenchReply, { type: T }>
      await new Promise<void>(resolve => waiting.push(resolve))
    }
  }
  return {
    reply,
    ask: (request, type) => {
      proc.send(request)
      return reply(type)
    }
  }
}

/**
 * The service in a child process (bench/server.ts) on a fresh data folder, mailing to an SMTP server
 * on 127.0.0.1, as `npm run bench` and `npm run bench:soak` both measure it; `env` adds settings.
 */
export async function startService (key: string, prefix: string, env: Record<string, string> = {}): Promise<{
  dataDir: string
  smtp: Awaited<ReturnType<typeof startSmtp>>
  child: ChildProcess
  service: ReturnType<typeof channel>
}> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix))
  const smtp = await startSmtp(undefined, { parse: false })
  const child = fork(new URL('./server.ts', import.meta.url), {
    // --expose-gc: the service reports its heap after a full garbage collection beside its RSS.
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: {
      PATH: process.env.PATH,
      PULS_DATA_DIR: dataDir,
      PULS_API_KEY: key,
      LOG_LEVEL: 'silent',
      SMTP_URL: smtp.url,
      // The general per-client limit would refuse one client's thousands of requests a minute; it is
      // the routes that are measured, not the limiter's refusals.
      RATE_LIMIT_MAX: '0',
      // Collector answers each carry their own X-Forwarded-For, so that the per-client answer
      // limit (30 a minute) is exercised on every answer without refusing the bench.
      TRUST_PROXY: 'true',
      // BENCH_DATABASE=postgres: DATABASE_URL (and DATABASE_POOL_SIZE) of the bench's cluster.
      ...env
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  return { dataDir, smtp, child, service: channel(child, 'the service') }
}
