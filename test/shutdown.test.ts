import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import t from 'tap'

// The real server process (src/server.ts) on a free port and a temp data folder, stopped with
// SIGTERM while a request is still arriving.

const KEY = 'shutdown-test-key-0123456789'
const DEADLINE_MS = 60_000

/** Resolves with the `nth` log line that `match` accepts, or rejects after DEADLINE_MS. */
function waitForLine (lines: string[], onLine: Set<() => void>, match: (l: Record<string, any>) => boolean, nth = 1): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const found = lines.flatMap(line => { try { return [JSON.parse(line) as Record<string, any>] } catch { return [] } }).filter(match)
      if (found.length < nth) return false
      onLine.delete(check)
      clearTimeout(timer)
      resolve(found[nth - 1]!)
      return true
    }
    const timer = setTimeout(() => { onLine.delete(check); reject(new Error(`no such log line within ${DEADLINE_MS} ms:\n${lines.join('\n')}`)) }, DEADLINE_MS)
    if (!check()) onLine.add(check)
  })
}

/** The promise's value, or `fallback` once `ms` have passed. */
async function within<T> (promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<T>(resolve => { timer = setTimeout(() => resolve(fallback), ms) })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

function refused (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(false) })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
  })
}

function readAll (socket: Socket): Promise<string> {
  return new Promise(resolve => {
    let data = ''
    socket.on('data', chunk => { data += chunk.toString('utf8') })
    socket.on('close', () => resolve(data))
  })
}

t.test('SIGTERM stops accepting, finishes the request in flight, closes the database and exits 0', async t => {
  const dataDir = t.testdir()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', PULS_DATA_DIR: dataDir, PULS_API_KEY: KEY, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<{ code: number | null, signal: string | null }>(resolve => child.once('exit', (code, signal) => resolve({ code, signal })))
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const lines: string[] = []
  const listeners = new Set<() => void>()
  let partial = ''
  child.stdout.on('data', chunk => {
    const parts = (partial + chunk.toString('utf8')).split('\n')
    partial = parts.pop()!
    lines.push(...parts)
    for (const listener of [...listeners]) listener()
  })
  let stderr = ''
  child.stderr.on('data', chunk => { stderr += chunk.toString('utf8') })

  const listening = await waitForLine(lines, listeners, l => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg))
  const port = Number(/:(\d+)$/.exec(listening.msg)![1])
  const base = `http://127.0.0.1:${port}`
  t.equal((await fetch(`${base}/healthz`)).status, 200, 'it answers')
  const survey = (body: object) => JSON.stringify({ name: 'Before shutdown', kind: 'post_case', team: 'it', ...body })
  const first = await fetch(`${base}/v1/surveys`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: survey({}) })
  t.equal(first.status, 201)

  // A request whose body is still arriving when the signal comes.
  const body = survey({ name: 'In flight during shutdown' })
  const socket = connect(port, '127.0.0.1')
  const answer = readAll(socket)
  socket.write(`POST /v1/surveys HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`)
  socket.write(body.slice(0, 10))
  await waitForLine(lines, listeners, l => l.msg === 'incoming request' && l.req?.method === 'POST', 2)
  const file = join(dataDir, 'puls.db')
  t.ok(statSync(`${file}-wal`).size > 0, 'writes sit in the WAL while the service runs')

  child.kill('SIGTERM')
  await waitForLine(lines, listeners, l => l.msg === 'shutting down' && l.signal === 'SIGTERM')
  let closed = false
  for (let i = 0; i < 50 && !closed; i++) {
    closed = await refused(port)
    if (!closed) await sleep(100)
  }
  t.ok(closed, 'new connections are refused while the request is in flight')

  socket.end(body.slice(10))
  const response = await answer
  t.match(response, /^HTTP\/1\.1 201 /, 'the request in flight is answered')
  t.match(response, /In flight during shutdown/)

  const exit = await within(exited, 15_000, { code: null, signal: 'still running after 15 s' })
  t.same(exit, { code: 0, signal: null }, 'exits 0 within the grace period')
  t.equal(stderr, '', 'nothing on stderr')

  t.ok(!existsSync(`${file}-wal`) || statSync(`${file}-wal`).size === 0, 'the WAL was checkpointed into the database on close')
  const db = new Database(file, { readonly: true })
  t.teardown(() => db.close())
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok')
  const names = (db.prepare('SELECT name FROM surveys ORDER BY name').all() as Array<{ name: string }>).map(r => r.name)
  t.same(names, ['Before shutdown', 'In flight during shutdown'], 'both acknowledged writes are there')
  t.notOk(lines.join('\n').includes(KEY), 'the API key is not logged')
})
