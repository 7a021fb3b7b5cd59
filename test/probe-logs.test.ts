import { randomBytes } from 'node:crypto'
import t from 'tap'
import { redactUrl } from '../src/logger.js'
import { API_KEY, build } from './helpers/build.js'
import { captureLogs, leaks } from './helpers/logs.js'
import { portOf, rawRequest } from './helpers/raw-http.js'

// Findings of a security probe about the log (docs/anonymity.md): raw bytes of a malformed
// request, and token paths the router does not normalise.

const TOKEN_SHAPED = /[A-Za-z0-9_-]{43}/

t.test('a malformed request is logged at trace without its raw bytes', async t => {
  const logs = captureLogs()
  const app = await build(t, { logger: logs.logger })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const token = randomBytes(32).toString('base64url')
  const email = 'kari.nordmann@example.com'
  const answer = await rawRequest(
    portOf(app),
    `GET /s/${token} HTTP/1.1\r\nHost: puls\r\nAuthorization: Bearer ${API_KEY}\r\n` +
      `X-Mail: ${email}\r\nBroken header line\r\n\r\n`
  )
  t.match(answer, /^HTTP\/1\.1 400/)
  await new Promise(resolve => setTimeout(resolve, 50))
  t.ok(
    logs.lines.some(l => l.includes('client error')),
    'the client error is logged at trace'
  )
  t.same(leaks(logs.lines, [token, API_KEY, email, 'Bearer']), [], 'neither key, token nor address')
  t.notOk(
    logs.lines.some(l => l.includes('rawPacket')),
    'no raw packet at all'
  )
})

t.test('token-shaped segments are redacted wherever they stand, after percent-decoding', async t => {
  const token = randomBytes(32).toString('base64url')
  const encoded = [...token].map(c => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')
  const urls = [
    `/./s/${token}`,
    `/%2e/s/${token}`,
    `/s%2f${token}`,
    `/S%2F${token}`,
    `/x/../s/${token}`,
    `/?${token}=1`,
    `/?${token}`,
    `/r/${token}`,
    `/./r/${token}`,
    `/r%2f${token}`,
    `/%72/${token}`,
    `/R/${token}`,
    `//r//${token}?a=b`,
    `/s/${encoded}`,
    `/anything/${token}/more`,
    `/s/${token}%2fextra`,
    `/v1/x?${encodeURIComponent(token)}`,
    `/%252e/s%252f${token}`
  ]
  for (const url of urls) {
    const shown = redactUrl(url)
    t.notOk(
      shown.includes(token) ||
        shown.includes(encoded) ||
        TOKEN_SHAPED.test(shown) ||
        TOKEN_SHAPED.test(decodeURIComponent(shown.replaceAll('%25', '%'))),
      `${url} → ${shown}`
    )
  }
  t.equal(
    redactUrl('/v1/surveys/srv_abcdefghijklmnopqrstuv/results?team=it'),
    '/v1/surveys/srv_abcdefghijklmnopqrstuv/results?team=[redacted]',
    'ids and plain paths stay readable'
  )
})

t.test('the real server logs none of those token paths', async t => {
  const logs = captureLogs()
  const app = await build(t, { logger: logs.logger })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const token = randomBytes(32).toString('base64url')
  for (const path of [
    `/./s/${token}`,
    `/%2e/s/${token}`,
    `/s%2f${token}`,
    `/?${token}=1`,
    `/%72/${token}`,
    `/r%2F${token}`
  ]) {
    await rawRequest(portOf(app), `GET ${path} HTTP/1.1\r\nHost: puls\r\nConnection: close\r\n\r\n`)
  }
  t.ok(logs.lines.length > 0)
  t.same(
    logs.lines.filter(l => TOKEN_SHAPED.test(l.replace(/"reqId":"[^"]*"/, ''))),
    [],
    'no token-shaped run in any line'
  )
})
