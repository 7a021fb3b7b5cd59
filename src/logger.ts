import { DrizzleQueryError } from 'drizzle-orm'
import type { FastifyRequest } from 'fastify'
import pg from 'pg'
import type { Config } from './config.js'

// docs/anonymity.md, promise 6: tokens and e-mail addresses never reach a log. Bodies and headers are never logged;
// what remains is the URL. Respondent (/s/) and report (/r/) URLs carry a token in the path.
const TOKEN_ROUTE = /^\/(s|r)\//
// Doubled slashes, dot segments, upper case and a percent-encoded prefix match no route, but a
// mangled link that still carries a real token may look like that, so they are redacted too.
const TOKEN_PATH = /^(?:\/+\.{1,2}(?=\/))*\/+(s|r)\/+[^/?#]*/i
// Survey, reminder, collector and share-link tokens are 32 random bytes in base64url: 43 characters
// (src/ids.ts). Any run that long of that alphabet is taken for a token, wherever it stands.
const TOKEN_SHAPED = /[A-Za-z0-9_-]{43,}/g
const ADDRESS_LIKE = /@|%40/i
const PLAIN_NAME = /^[\w.[\]-]{1,64}$/

/**
 * The URL as logs may show it. A request that matched a route under /s/ or /r/ shows the route's
 * pattern (`/s/:token`), since the router also matches forms such as `/%73/<token>`; any other
 * token path is cut after its prefix; a path segment that holds an address is dropped; and query
 * values (free text such as a filter on an agent's address) are dropped, keeping their names.
 */
export function redactUrl (raw: string, route?: string): string {
  if (route !== undefined && TOKEN_ROUTE.test(route)) return route
  // Decoded first (`/%2e/s%2f<token>`, `/s/%41…`), so that no encoding hides a token from the rules.
  const url = percentDecoded(raw).replace(TOKEN_SHAPED, '[redacted]')
  const q = url.indexOf('?')
  const path = (q === -1 ? url : url.slice(0, q))
    .replace(TOKEN_PATH, '/$1/[redacted]')
    .split('/').map(segment => ADDRESS_LIKE.test(segment) ? '[redacted]' : segment).join('/')
  if (q === -1) return path
  const names = url.slice(q + 1).split('&').filter(p => p !== '').map(p => {
    const name = p.split('=')[0]!
    return `${PLAIN_NAME.test(name) ? name : '[redacted]'}=[redacted]`
  })
  return `${path}?${names.join('&')}`
}

/** Whether a request came through a respondent or report link, or carries what looks like a token. */
export function isTokenRequest (raw: string, route?: string): boolean {
  if (route !== undefined && TOKEN_ROUTE.test(route)) return true
  const url = percentDecoded(raw)
  return TOKEN_PATH.test(url) || new RegExp(TOKEN_SHAPED.source).test(url)
}

/** The URL with percent-escapes undone, up to three layers deep (`%252e` is `%2e` is `.`). */
function percentDecoded (url: string): string {
  let out = url
  for (let layer = 0; layer < 3; layer++) {
    let next: string
    try {
      next = decodeURIComponent(out)
    } catch {
      // A malformed escape elsewhere must not keep the rest encoded: undo each escape on its own.
      next = out.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    }
    if (next === out) break
    out = next
  }
  return out
}

/**
 * An error as logs show it: name, message, code, stack and its own fields, but never `rawPacket`,
 * the bytes of a malformed request (Authorization header, token path, addresses), which Node puts
 * on the errors of its HTTP parser and Fastify logs at trace level, nor the values of a failed
 * query (addresses, answers, filters), which drizzle puts in `params` and in its message and
 * PostgreSQL in its `detail` ("Key (…)=(…) already exists", "Failing row contains (…)").
 */
export function serializeError (err: unknown): unknown {
  if (!(err instanceof Error)) return err
  const { rawPacket: _bytes, ...fields }: Record<string, unknown> = { ...err }
  let { message, stack } = err
  if (err instanceof DrizzleQueryError) {
    delete fields.params
    message = `Failed query: ${err.query}\nparams: [redacted]`
    stack = stack?.replace(err.message, message)
  }
  if (err instanceof pg.DatabaseError && err.detail !== undefined) fields.detail = '[redacted]'
  return {
    type: err.constructor.name,
    message,
    stack,
    ...fields,
    ...(err.cause === undefined ? {} : { cause: serializeError(err.cause) })
  }
}

export function loggerOptions (config: Pick<Config, 'logLevel'>): object {
  return {
    level: config.logLevel,
    serializers: {
      err: serializeError,
      req (request: FastifyRequest) {
        const route = request.is404 ? undefined : request.routeOptions.url
        return {
          method: request.method,
          url: redactUrl(request.url, route),
          // Respondents' addresses are left out, so logs cannot place a person on a survey page.
          ...(isTokenRequest(request.url, route) ? {} : { remoteAddress: request.ip })
        }
      }
    }
  }
}
