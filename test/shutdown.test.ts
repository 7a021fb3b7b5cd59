import { existsSync, statSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { onlyOn, TEST_STORE } from './helpers/build.js'
import { processStore, type ProcessStore } from './helpers/process-store.js'
import { startServer, within } from './helpers/server-process.js'
import { startSmtp } from './helpers/smtp.js'

// The real server process (src/server.ts) on a free port and a temp data folder, stopped with
// SIGTERM while a request is still arriving, and while mail is still on its way to a slow or
// stalled SMTP server. On PostgreSQL (PULS_TEST_STORE=postgres) the same on a durable cluster,
// without the checks of SQLite's WAL file.

const KEY = 'shutdown-test-key-0123456789'

function refused (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
  })
}

function readAll (socket: Socket): Promise<string> {
  return new Promise(resolve => {
    let data = ''
    socket.on('data', chunk => {
      data += chunk.toString('utf8')
    })
    socket.on('close', () => resolve(data))
  })
}

// Known gap on PostgreSQL (docs/postgres.md, "Known gaps"): the request in flight at SIGTERM gets no answer.
t.test('SIGTERM stops accepting, finishes the request in flight, closes the database and exits 0', {
  skip: onlyOn('sqlite', 'known gap: on PostgreSQL the request in flight at SIGTERM is not answered yet')
}, async t => {
  const dataDir = t.testdir()
  const store = await processStore(t, dataDir)
  const server = await startServer(t, { dataDir, env: { PULS_API_KEY: KEY, ...store.env } })
  const { child, port, base, lines, waitForLine, exited } = server
  t.equal((await fetch(`${base}/healthz`)).status, 200, 'it answers')
  const survey = (body: object) => JSON.stringify({ name: 'Before shutdown', kind: 'post_case', team: 'it', ...body })
  const first = await fetch(`${base}/v1/surveys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: survey({})
  })
  t.equal(first.status, 201)

  // A request whose body is still arriving when the signal comes.
  const body = survey({ name: 'In flight during shutdown' })
  const socket = connect(port, '127.0.0.1')
  const answer = readAll(socket)
  socket.write(
    'POST /v1/surveys HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
      `Authorization: Bearer ${KEY}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`
  )
  socket.write(body.slice(0, 10))
  await waitForLine(l => l.msg === 'incoming request' && l.req?.method === 'POST', 2)
  const file = join(dataDir, 'puls.db')
  if (TEST_STORE === 'sqlite') t.ok(statSync(`${file}-wal`).size > 0, 'writes sit in the WAL while the service runs')

  child.kill('SIGTERM')
  await waitForLine(l => l.msg === 'shutting down' && l.signal === 'SIGTERM')
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
  t.equal(server.stderr(), '', 'nothing on stderr')

  t.ok(walEmpty(dataDir), 'the WAL was checkpointed into the database on close')
  t.ok(await store.intact(), 'the database is intact')
  const names = (await store.query<{ name: string }>('SELECT name FROM surveys ORDER BY name')).map(r => r.name)
  t.same(names, ['Before shutdown', 'In flight during shutdown'], 'both acknowledged writes are there')
  t.notOk(lines.join('\n').includes(KEY), 'the API key is not logged')
})

/** A survey and one e-mail invitation through the API; its mail goes out at once. */
async function inviteByMail (base: string): Promise<void> {
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }
  const survey = (await (
    await fetch(`${base}/v1/surveys`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Mail at shutdown', kind: 'post_case', team: 'it' })
    })
  ).json()) as { id: string }
  const res = await fetch(`${base}/v1/surveys/${survey.id}/invitations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email: 'kari@example.com', case_ref: 'INC-1' })
  })
  if (res.status !== 201) throw new Error(`invitation: ${res.status} ${await res.text()}`)
}

/** Whether SQLite's WAL was checkpointed and emptied (always true on PostgreSQL: no such file). */
function walEmpty (dataDir: string): boolean {
  const wal = join(dataDir, 'puls.db-wal')
  return TEST_STORE !== 'sqlite' || !existsSync(wal) || statSync(wal).size === 0
}

async function outboxRows (
  t: Test,
  store: ProcessStore
): Promise<Array<{ state: string; attempts: number; lease_id: string | null; recipient: string | null }>> {
  t.ok(await store.intact(), 'the database is intact')
  return await store.query('SELECT state, attempts, lease_id, recipient FROM outbox')
}

t.test(
  'SIGTERM while a mail is stuck at a stalled SMTP server: ' +
    'it is handed back to the outbox, the database closes, the next start sends it',
  async t => {
    const dataDir = t.testdir()
    const store = await processStore(t, dataDir)
    const stalled = await startSmtp(t, { stall: true })
    const server = await startServer(t, { dataDir, env: { PULS_API_KEY: KEY, SMTP_URL: stalled.url, ...store.env } })
    await inviteByMail(server.base)
    for (let i = 0; i < 200 && stalled.held === 0; i++) await sleep(50)
    t.equal(stalled.held, 1, 'the mail is at the SMTP server, which does not answer')

    server.child.kill('SIGTERM')
    await server.waitForLine(l => l.msg === 'mail still sending at shutdown; aborting and requeueing it')
    const exit = await within(server.exited, 15_000, { code: null, signal: 'still running after 15 s' })
    t.same(exit, { code: 0, signal: null }, 'exits 0 within the grace period, not held up by the mail')
    t.equal(server.stderr(), '', 'nothing on stderr')
    t.ok(walEmpty(dataDir), 'the database was closed and its WAL checkpointed')
    t.same(
      await outboxRows(t, store),
      [{ state: 'pending', attempts: 0, lease_id: null, recipient: 'kari@example.com' }],
      'the mail is back in the queue, its cut-short attempt not counted'
    )
    await stalled.close()

    const smtp = await startSmtp(t)
    const again = await startServer(t, { dataDir, env: { PULS_API_KEY: KEY, SMTP_URL: smtp.url, ...store.env } })
    const [mail] = await smtp.waitFor(1, 20_000)
    t.same(mail!.envelope.to, ['kari@example.com'], 'the next start sends it')
    again.child.kill('SIGTERM')
    t.same(await within(again.exited, 15_000, { code: null, signal: 'still running after 15 s' }), {
      code: 0,
      signal: null
    })
    t.equal(smtp.received.length, 1, 'once')
    t.match(await outboxRows(t, store), [{ state: 'sent', recipient: null }], 'recorded sent, the address erased')
  }
)

t.test(
  'SIGTERM while a slow SMTP server is still answering: the send finishes and is recorded before the database closes',
  async t => {
    const dataDir = t.testdir()
    const store = await processStore(t, dataDir)
    // Slow, but inside the 5 s the worker gives sends in flight at shutdown.
    const slow = await startSmtp(t, { delayMs: 1500 })
    const server = await startServer(t, { dataDir, env: { PULS_API_KEY: KEY, SMTP_URL: slow.url, ...store.env } })
    await inviteByMail(server.base)
    await server.waitForLine(l => l.msg === 'incoming request' && l.req?.method === 'POST', 2)
    await sleep(500)
    t.equal(slow.received.length, 0, 'the server has not answered yet')

    server.child.kill('SIGTERM')
    const exit = await within(server.exited, 15_000, { code: null, signal: 'still running after 15 s' })
    t.same(exit, { code: 0, signal: null }, 'exits 0 once the send is done')
    t.equal(slow.received.length, 1, 'the mail arrived')
    t.notOk(
      server.lines.some(l => l.includes('aborting')),
      'nothing was aborted'
    )
    t.match(
      await outboxRows(t, store),
      [{ state: 'sent', recipient: null }],
      'and was recorded sent before the database closed'
    )
  }
)
