import fp from 'fastify-plugin'
import type { DbOrTx } from '../db/client.js'
import { getSurveyRow } from '../surveys/service.js'
import { surveyClosed, watch } from './events.js'
import { WebhookWorker } from './worker.js'

export interface Webhooks {
  /** Queues survey.closed in the caller's transaction; sent once it commits. */
  surveyClosed: (tx: DbOrTx, surveyId: string) => Promise<void>
  /** Runs the watch job now (results.released, target crossings); also run on a timer (src/plugins/jobs.ts). */
  watch: () => Promise<Record<string, number>>
  /** Delivers everything due now; resolves with how many attempts were made (for tests and tools). */
  flush: () => Promise<number>
  /** Looks at the webhook outbox now, e.g. after a test event was queued. */
  wake: () => void
}

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: Webhooks
  }
}

/**
 * The webhook outbox's worker (its own, apart from mail), started with the service and stopped
 * before the database closes.
 */
export const webhooksPlugin = fp(async (fastify) => {
  const { config, store, clock } = fastify
  const worker = new WebhookWorker({
    store,
    clock,
    log: fastify.log.child({ component: 'webhooks' }),
    options: {
      pollMs: config.webhooks.pollMs,
      batchSize: 20,
      leaseMs: config.webhooks.timeoutMs + 60_000,
      timeoutMs: config.webhooks.timeoutMs,
      maxAttempts: config.webhooks.maxAttempts,
      retryMinMs: config.webhooks.retryMinMs,
      retryMaxMs: config.webhooks.retryMaxMs,
      allowedHosts: config.webhooks.allowedHosts
    }
  })
  fastify.decorate('webhooks', {
    surveyClosed: async (tx, surveyId) => {
      const survey = await getSurveyRow(tx, surveyId)
      if (await surveyClosed(tx, fastify.decidedMonths, survey, clock.now()) > 0) worker.wake()
    },
    watch: async () => {
      const result = await watch(store, fastify.decidedMonths, clock.now())
      worker.wake()
      return result
    },
    flush: () => worker.flush(),
    wake: () => worker.wake()
  } satisfies Webhooks)
  fastify.addHook('onReady', async () => worker.start())
  // preClose runs before any onClose hook: the database is still open while in-flight sends are recorded.
  fastify.addHook('preClose', async () => worker.stop())
}, { name: 'webhooks', dependencies: ['config', 'db', 'decided-months'] })
