import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

// How each ticketing system proves a webhook is its own (docs/integrations.md). Every check
// compares in constant time and never looks at the body before the signature holds.

export type HookSystem = 'zammad' | 'glpi' | 'znuny' | 'jira'

function same (a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}

function header (headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** Zammad: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>` with the trigger's token. */
function zammad (secret: string, body: Buffer, headers: IncomingHttpHeaders): boolean {
  const given = header(headers, 'x-hub-signature')
  if (given === undefined) return false
  return same(given.trim().toLowerCase(), `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`)
}

/** GLPI: `X-GLPI-signature: <hex HMAC-SHA256 of the body followed by X-GLPI-timestamp>` (Unix seconds). */
function glpi (secret: string, body: Buffer, headers: IncomingHttpHeaders): boolean {
  const given = header(headers, 'x-glpi-signature')
  const timestamp = header(headers, 'x-glpi-timestamp')
  if (given === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false
  const expected = createHmac('sha256', secret).update(body).update(timestamp).digest('hex')
  return same(given.trim().toLowerCase(), expected)
}

/** Znuny's REST requester signs nothing; it authenticates with HTTP Basic, the password being the secret. */
function znuny (secret: string, _body: Buffer, headers: IncomingHttpHeaders): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header(headers, 'authorization') ?? '')
  if (match === null) return false
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon >= 0 && same(decoded.slice(colon + 1), secret)
}

/** Jira Automation's "Send web request" signs nothing; the rule sends the secret in a hidden header. */
function jira (secret: string, _body: Buffer, headers: IncomingHttpHeaders): boolean {
  const given = header(headers, 'x-puls-hook-secret')
  return given !== undefined && same(given.trim(), secret)
}

export const VERIFY: Record<HookSystem, (secret: string, body: Buffer, headers: IncomingHttpHeaders) => boolean> = {
  zammad, glpi, znuny, jira
}
