import { connect } from 'node:net'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { API_KEY, build } from './helpers/build.js'
import { portOf } from './helpers/raw-http.js'

// A finding of a security probe: a body sent one byte every ten seconds held its connection open
// for good. REQUEST_TIMEOUT_SECONDS bounds the time to receive a whole request.

t.test('a client dribbling its body byte by byte is cut off after REQUEST_TIMEOUT_SECONDS', async t => {
  const app = await build(t, { env: { REQUEST_TIMEOUT_SECONDS: '1' } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const socket = connect(portOf(app), '127.0.0.1')
  const started = Date.now()
  let answer = ''
  socket.on('data', chunk => { answer += chunk.toString() })
  socket.on('error', () => {})
  const closed = new Promise<number>(resolve => socket.on('close', () => resolve(Date.now() - started)))
  socket.write(`POST /v1/surveys HTTP/1.1\r\nHost: puls\r\nAuthorization: Bearer ${API_KEY}\r\n` +
    'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n')
  const dribble = setInterval(() => { if (!socket.destroyed) socket.write(' ') }, 200)
  t.teardown(() => { clearInterval(dribble); socket.destroy() })
  const elapsed = await Promise.race([closed, new Promise<number>(resolve => setTimeout(() => resolve(-1), 6000))])
  t.not(elapsed, -1, 'the server closed the connection')
  t.ok(elapsed >= 900 && elapsed < 5000, `within a few seconds (${elapsed} ms)`)
  t.match(answer, /^HTTP\/1\.1 408/, '408 Request Timeout, and nothing before it')
})

t.test('config: REQUEST_TIMEOUT_SECONDS defaults to a minute, takes fractions, refuses 0 and nonsense', async t => {
  t.equal(loadConfig({}).requestTimeoutMs, 60_000)
  t.equal(loadConfig({ REQUEST_TIMEOUT_SECONDS: '2.5' }).requestTimeoutMs, 2500)
  t.throws(() => loadConfig({ REQUEST_TIMEOUT_SECONDS: '0' }), /REQUEST_TIMEOUT_SECONDS: /)
  t.throws(() => loadConfig({ REQUEST_TIMEOUT_SECONDS: 'never' }), /REQUEST_TIMEOUT_SECONDS: /)
})
