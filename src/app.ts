import { randomUUID } from 'node:crypto'
import formbody from '@fastify/formbody'
import type { Server } from 'node:http'
import type { FastifyHttpOptions, FastifyInstance, FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { Clock } from './clock.js'
import collectorRoutes from './collectors/routes.js'
import type { Config } from './config.js'
import eventRoutes from './events/routes.js'
import healthRoutes from './health/routes.js'
import invitationMailPlugin from './invitations/mail-plugin.js'
import { endSurveyInvitations } from './invitations/repository.js'
import hookRoutes from './hooks/routes.js'
import invitationRoutes from './invitations/routes.js'
import { loggerOptions } from './logger.js'
import { mailerPlugin, outboxPlugin } from './mail/plugin.js'
import auditRoutes from './audit/routes.js'
import consoleRoutes from './console/routes.js'
import authPlugin from './plugins/auth.js'
import configPlugin from './plugins/config.js'
import cookiesPlugin from './plugins/cookies.js'
import dbPlugin from './plugins/db.js'
import jobsPlugin from './plugins/jobs.js'
import metricsPlugin from './plugins/metrics.js'
import problemsPlugin, { frameworkErrors } from './plugins/problems.js'
import rateLimitPlugin from './plugins/rate-limit.js'
import secretPlugin from './plugins/secret.js'
import securityPlugin from './plugins/security.js'
import swaggerPlugin from './plugins/swagger.js'
import viewsPlugin from './plugins/views.js'
import respondentRoutes from './respondent/routes.js'
import unsubscribeRoutes from './respondent/unsubscribe.js'
import decidedMonthsPlugin from './results/plugin.js'
import publicReportRoutes from './results/public-routes.js'
import resultRoutes from './results/routes.js'
import surveyRoutes from './surveys/routes.js'
import targetRoutes from './targets/routes.js'
import { webhooksPlugin } from './webhooks/plugin.js'
import webhookRoutes from './webhooks/routes.js'

export interface AppOptions {
  config: Config
  clock?: Clock | undefined
  /** Only for the tests' throwaway PostgreSQL clusters (src/plugins/db.ts). */
  unsafeSkipDurabilityChecks?: boolean | undefined
}

/** Options for the Fastify constructor, shared by the server, the tests and the CLI. */
export function serverOptions (config: Config, overrides: FastifyServerOptions = {}): FastifyHttpOptions<Server> {
  const { logger, ...rest } = overrides
  return {
    // Logger options given here (a test's level and stream) keep the redacting serializers.
    logger:
      typeof logger === 'object' && logger !== null
        ? { ...loggerOptions(config), ...logger }
        : (logger ?? loggerOptions(config)),
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    // A client sending a byte now and then must not hold a connection open for good. Node checks
    // the deadline every connectionsCheckingInterval, so that follows the timeout when it is short.
    requestTimeout: config.requestTimeoutMs,
    http: {
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, config.requestTimeoutMs / 4)),
      headersTimeout: Math.min(60_000, config.requestTimeoutMs)
    },
    frameworkErrors,
    ...rest
  }
}

/** The whole service as one plugin: infrastructure first, in order, then the routes. */
async function app (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  fastify.setValidatorCompiler(validatorCompiler)
  fastify.setSerializerCompiler(serializerCompiler)
  // Set as the request arrives (a synchronous hook, no promise per response); errors keep it.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })

  await fastify.register(configPlugin, { config: opts.config, clock: opts.clock })
  await fastify.register(dbPlugin, { unsafeSkipDurabilityChecks: opts.unsafeSkipDurabilityChecks })
  await fastify.register(secretPlugin)
  await fastify.register(cookiesPlugin)
  await fastify.register(problemsPlugin)
  // Before any route: both act through hooks that must see every route.
  await fastify.register(securityPlugin)
  await fastify.register(rateLimitPlugin)
  // Before any route: its onRoute hook collects (and demands) every route's access rule.
  await fastify.register(authPlugin)
  await fastify.register(swaggerPlugin)
  await fastify.register(metricsPlugin)
  await fastify.register(viewsPlugin)
  await fastify.register(mailerPlugin)
  await fastify.register(outboxPlugin)
  await fastify.register(invitationMailPlugin)
  await fastify.register(formbody)
  await fastify.register(decidedMonthsPlugin)
  await fastify.register(webhooksPlugin)
  await fastify.register(jobsPlugin)

  await fastify.register(healthRoutes)
  await fastify.register(publicReportRoutes)
  // Who may call each route is declared on the route (config.access) and checked by the auth plugin.
  await fastify.register(
    async v1 => {
      // Closing a survey ends its invitations: surveys do not import invitations (docs/architecture.md).
      await v1.register(surveyRoutes, {
        closed: async (db, id) => {
          await endSurveyInvitations(db, id)
          await fastify.webhooks.surveyClosed(db, id)
        }
      })
      await v1.register(invitationRoutes)
      await v1.register(eventRoutes)
      await v1.register(collectorRoutes)
      await v1.register(resultRoutes)
      await v1.register(auditRoutes)
      await v1.register(targetRoutes)
      await v1.register(webhookRoutes)
    },
    { prefix: '/v1' }
  )
  // Ticketing systems' webhooks: authenticated by their own signatures, not by an API key.
  await fastify.register(hookRoutes, { prefix: '/v1' })
  // The console for people, only with sign-in configured (docs/access.md).
  if (opts.config.oidc !== undefined) await fastify.register(consoleRoutes, { oidc: opts.config.oidc })
  await fastify.register(respondentRoutes)
  await fastify.register(unsubscribeRoutes)
}

export default fp(app, { name: 'puls' })
