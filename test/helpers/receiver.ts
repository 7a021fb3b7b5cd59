import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

// A webhook receiver on 127.0.0.1 for the tests, and Standard Webhooks verification written here
// from the specification, independently of the service's own signing code.

export interface Received {
  headers: IncomingHttpHeaders
  body: string
}
/** What the receiver does with the next request: answer with a status, or never answer. */
export type Behaviour = number | 'hang'

export interface Receiver {
  url: string
  received: Received[]
  /** Answers for the coming requests, in order; once used up, 200. */
  plan: (...behaviours: Behaviour[]) => void
  close: () => Promise<void>
}

export async function startReceiver (): Promise<Receiver> {
  const received: Received[] = []
  const queue: Behaviour[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      const next = queue.shift() ?? 200
      if (next === 'hang') return
      res.writeHead(next, { 'content-type': 'text/plain' }).end(next < 300 ? 'ok' : 'no')
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    plan: (...b) => {
      queue.push(...b)
    },
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * Standard Webhooks verification: the secret is "whsec_" + base64 key; the signed content is
 * "<webhook-id>.<webhook-timestamp>.<body>"; `webhook-signature` is a space-separated list of
 * "v1,<base64 HMAC-SHA256>"; the timestamp must be within `toleranceS` of `nowS`.
 */
export function verifyStandardWebhook (
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
  nowS: number,
  toleranceS = 300
): boolean {
  const id = headers['webhook-id']
  const timestamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false
  if (!/^\d+$/.test(timestamp) || Math.abs(Number(timestamp) - nowS) > toleranceS) return false
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest()
  return signatures.split(' ').some(part => {
    const [version, value] = part.split(',')
    if (version !== 'v1' || value === undefined) return false
    const given = Buffer.from(value, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}
