import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'
import { z } from 'zod'
import { AppError, UnauthorizedError } from '../errors.js'
import { digest } from '../ids.js'
import { ProblemSchema } from '../schemas.js'
import { SURVEY_KINDS, type SurveyKind } from '../surveys/defaults.js'

/** The route label of every request that matched no route: raw paths never become labels. */
export const UNMATCHED_ROUTE = 'unmatched'
// Any other method (WebDAV verbs, …) is folded into `other`, so the label set stays small.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/**
 * What other domains use to add their own metrics. Conventions (README, "Operating"): names
 * start with `puls_`, carry their unit (`_seconds`, `_total`), and labels take values only from
 * fixed sets in our code (survey kind, status, route pattern) — never a token, an address, an id
 * or any text a user typed. Register a metric on `registry`; a gauge that reads the database does
 * so in its `collect()`, at scrape time.
 */
export interface Metrics {
  /** This app instance's own registry (not prom-client's global one, so apps in tests never collide). */
  registry: Registry
  /** Counts one recorded answer; the answering code calls it once its transaction has committed. */
  answerReceived: (kind: SurveyKind) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/**
 * Prometheus metrics at GET /metrics: HTTP requests by method, route pattern and status, answers
 * per survey kind, and Node's process metrics. With METRICS_TOKEN set, a scrape needs it as a
 * bearer token.
 */
export default fp(
  async fastify => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    fastify.addHook('onClose', async () => registry.clear())

    const labelNames = ['method', 'route', 'status_code'] as const
    const requests = new Counter({
      name: 'puls_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames,
      registers: [registry]
    })
    const duration = new Histogram({
      name: 'puls_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response, by method, route pattern and status code',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry]
    })
    const answers = new Counter({
      name: 'puls_answers_total',
      help: 'Survey answers recorded, by survey kind',
      labelNames: ['kind'] as const,
      registers: [registry]
    })
    // Every kind shows from the first scrape, so rate() sees the first answer of each.
    for (const kind of SURVEY_KINDS) answers.inc({ kind }, 0)
    // Group commit (src/db/group-commit.ts): how many writes share one transaction and its fsync.
    const batches = new Histogram({
      name: 'puls_group_commit_units',
      help: 'Writes (answers) per group-commit transaction, counted when it commits or fails',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry]
    })
    fastify.store.writes.onBatch = units => {
      batches.observe(units)
    }

    fastify.decorate('metrics', {
      registry,
      answerReceived: (kind: SurveyKind) => answers.inc({ kind })
    } satisfies Metrics)

    // Synchronous: no promise per response.
    fastify.addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: METHODS.has(request.method) ? request.method : 'other',
        // The pattern (`/s/:token`), never request.url: the raw path may hold a token or an address.
        route: request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE),
        status_code: String(reply.statusCode)
      }
      requests.inc(labels)
      duration.observe(labels, reply.elapsedTime / 1000)
      done()
    })

    const { metricsToken, host, trustProxy } = fastify.config
    const token = metricsToken === undefined ? undefined : digest(metricsToken)
    // The answer counters tick with every answer, so whoever scrapes can time answers: without a
    // token only a listener on loopback, with no proxy forwarding to it, is open (docs/anonymity.md).
    const openWithoutToken = isLoopback(host) && !trustProxy
    async function checkToken (request: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (token === undefined) {
        if (openWithoutToken) return
        throw new AppError(
          403,
          'metrics_token_required',
          'Forbidden',
          'set METRICS_TOKEN to scrape /metrics when the service listens beyond loopback or behind a proxy'
        )
      }
      reply.header('www-authenticate', 'Bearer realm="puls-metrics"')
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
      // Hashing first gives equal lengths, so the comparison takes the same time for any guess.
      if (match === null || !timingSafeEqual(digest(match[1]!), token)) {
        throw new UnauthorizedError('send the metrics token as `Authorization: Bearer <METRICS_TOKEN>`')
      }
    }

    fastify.get(
      '/metrics',
      {
        config: { access: 'own' },
        onRequest: checkToken,
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics',
          description:
            'Metrics in the Prometheus text format (README, "Operating"). ' +
            'Needs `Authorization: Bearer <METRICS_TOKEN>` when the service is configured with one; without one, ' +
            'answers 403 unless the service listens on loopback only and TRUST_PROXY is off.',
          response: {
            200: {
              description: 'Prometheus text exposition format 0.0.4',
              content: { 'text/plain': { schema: z.string() } }
            },
            401: ProblemSchema,
            403: ProblemSchema
          }
        }
      },
      async (_request, reply) => {
        const body = await registry.metrics()
        return reply.type(registry.contentType).send(body)
      }
    )
  },
  { name: 'metrics', dependencies: ['config', 'db', 'problems'] }
)

/**
 * Whether HOST binds loopback only: `localhost`, 127.0.0.0/8 or ::1 (not 0.0.0.0 or ::, which bind every
 * interface).
 */
export function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}
