import { createHmac, randomBytes } from 'node:crypto'
import rateLimit, { normalizeIP } from '@fastify/rate-limit'
import type { FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../errors.js'
import { ProblemSchema } from '../schemas.js'

/**
 * Routes that never get the default limit: the probes, which an orchestrator calls often, and
 * /v1, where an API key already identifies a trusted caller (a ticketing system may burst).
 */
const EXEMPT = /^\/(?:healthz|readyz)$|^\/v1(?:\/|$)/

/** Whether a route gets the default public limit: every route that needs no API key. */
export function isPublicRoute (url: string): boolean {
  return !EXEMPT.test(url)
}

/**
 * The limiter's key for a client: an HMAC of its address (IPv6 folded to its /64, as the
 * library does) under a key that lives only in this process. The in-memory counters therefore
 * hold no address, and nothing survives a restart.
 */
export function clientKeyer (key: Buffer = randomBytes(32)): (request: Pick<FastifyRequest, 'ip'>) => string {
  return request => createHmac('sha256', key).update(normalizeIP(request.ip)).digest('base64url').slice(0, 22)
}

/**
 * Rate limits (@fastify/rate-limit, in memory). Every route that needs no API key gets
 * RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_SECONDS, per client and route, decided here in
 * one place; a route may set its own `config: { rateLimit: { max, timeWindow } }` or `false`.
 * Over the limit: a 429 problem with `Retry-After` (or the route's friendly error page).
 * Counted per instance: with several, a client gets at most their number times the limit
 * (docs/operating.md, "Several instances").
 */
export default fp(
  async fastify => {
    const { rateLimitMax, rateLimitWindowMs } = fastify.config

    // Added before the library's own onRoute hook, so the library sees the default we set.
    fastify.addHook('onRoute', (route: RouteOptions) => {
      if (!isPublicRoute(route.url)) return
      if (route.config?.rateLimit === undefined && rateLimitMax > 0) {
        route.config = { ...route.config, rateLimit: { max: rateLimitMax, timeWindow: rateLimitWindowMs } }
      }
      const response = route.schema?.response as Record<string, unknown> | undefined
      if (route.config?.rateLimit && response !== undefined && !('429' in response)) {
        route.schema = { ...route.schema, response: { ...response, 429: ProblemSchema } }
      }
    })

    await fastify.register(rateLimit, {
      global: false,
      keyGenerator: clientKeyer(),
      errorResponseBuilder: (_request, context) =>
        new AppError(
          context.statusCode,
          'rate_limited',
          'Too Many Requests',
          `too many requests; try again in ${context.after}`
        )
    })
  },
  { name: 'rate-limit', dependencies: ['config'] }
)
