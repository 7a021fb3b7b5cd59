import type { FastifyRequest } from 'fastify'
import type { Config } from './config.js'

// SPEC §2.6: tokens and e-mail addresses never reach a log. Bodies and headers are never logged;
// what remains is the URL. Respondent (/s/) and report (/r/) URLs carry a token in the path.
const TOKEN_ROUTE = /^\/(s|r)\//
// Doubled slashes, upper case and a percent-encoded prefix match no route, but a mangled link
// that still carries a real token may look like that, so they are redacted too.
const TOKEN_PATH = /^\/+(s|r|%7[32])\/+[^/?#]*/i
const ADDRESS_LIKE = /@|%40/i
const PLAIN_NAME = /^[\w.[\]-]{1,64}$/

/**
 * The URL as logs may show it. A request that matched a route under /s/ or /r/ shows the route's
 * pattern (`/s/:token`), since the router also matches forms such as `/%73/<token>`; any other
 * token path is cut after its prefix; a path segment that holds an address is dropped; and query
 * values (free text such as a filter on an agent's address) are dropped, keeping their names.
 */
export function redactUrl (url: string, route?: string): string {
  if (route !== undefined && TOKEN_ROUTE.test(route)) return route
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

/** Whether a request came through a respondent or report link. */
export function isTokenRequest (url: string, route?: string): boolean {
  return (route !== undefined && TOKEN_ROUTE.test(route)) || TOKEN_PATH.test(url)
}

export function loggerOptions (config: Pick<Config, 'logLevel'>): object {
  return {
    level: config.logLevel,
    serializers: {
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
