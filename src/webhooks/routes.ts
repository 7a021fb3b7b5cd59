import { rules } from '../auth/access.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { authProblems, IdParamsSchema, ProblemSchema } from '../schemas.js'
import {
  CreateWebhookSchema, DeliveryListSchema, DeliveryQuerySchema, WebhookListSchema, WebhookSchema
} from './schemas.js'
import * as webhooks from './service.js'

const tags = ['webhooks']

/** Subscriptions to aggregate events under /v1/webhooks (docs/integrations.md). */
const routes: FastifyPluginAsyncZod = async (fastify) => {
  const { store, clock, config } = fastify
  const { db } = store

  fastify.post('/webhooks', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'Subscribe a URL to aggregate events',
      description: 'Events: results.released, target.missed, target.recovered, survey.closed; formats standard ' +
        '(signed JSON, Standard Webhooks), slack, teams. The answer carries the signing secret (whsec_…) this once.',
      body: CreateWebhookSchema,
      response: { 201: WebhookSchema, ...authProblems }
    }
  }, async (request, reply) => {
    const hook = await webhooks.createWebhook(db, request.body, config.webhooks.allowedHosts, clock.now())
    return reply.code(201).header('location', `/v1/webhooks/${hook.id}`).send(hook)
  })

  fastify.get('/webhooks', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'List subscriptions (without their secrets)',
      response: { 200: WebhookListSchema, ...authProblems }
    }
  }, async () => ({ items: (await webhooks.listWebhookRows(db)).map(webhooks.toWebhook) }))

  fastify.get('/webhooks/:id', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'Read a subscription',
      params: IdParamsSchema,
      response: { 200: WebhookSchema, ...authProblems, 404: ProblemSchema }
    }
  }, async (request) => webhooks.toWebhook(await webhooks.getWebhookRow(db, request.params.id)))

  fastify.delete('/webhooks/:id', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'Delete a subscription and its delivery history',
      description: 'Answers the subscription as it was.',
      params: IdParamsSchema,
      response: { 200: WebhookSchema, ...authProblems, 404: ProblemSchema }
    }
  }, async (request) => await store.transaction(tx => webhooks.deleteWebhook(tx, request.params.id)))

  fastify.post('/webhooks/:id/test', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'Send a signed webhook.test event to this subscription',
      description: 'Queued and delivered like any event; GET /v1/webhooks/{id}/deliveries shows the answers.',
      params: IdParamsSchema,
      response: { 202: z.object({ delivery_id: z.string() }), ...authProblems, 404: ProblemSchema }
    }
  }, async (request, reply) => {
    const delivery = await store.transaction(tx => webhooks.testWebhook(tx, request.params.id, clock.now()))
    fastify.webhooks.wake()
    return reply.code(202).send({ delivery_id: delivery.id })
  })

  fastify.post('/webhooks/:id/enable', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'Turn a disabled subscription on again',
      description: 'Deliveries cancelled when it was disabled stay cancelled.',
      params: IdParamsSchema,
      response: { 200: WebhookSchema, ...authProblems, 404: ProblemSchema }
    }
  }, async (request) => await store.transaction(tx => webhooks.enableWebhook(tx, request.params.id)))

  fastify.get('/webhooks/:id/deliveries', {
    config: { access: rules.admin },
    schema: {
      tags,
      summary: 'The latest deliveries of a subscription, with every attempt',
      params: IdParamsSchema,
      querystring: DeliveryQuerySchema,
      response: { 200: DeliveryListSchema, ...authProblems, 404: ProblemSchema }
    }
  }, async (request) => await webhooks.listDeliveries(db, request.params.id, request.query.limit))
}

export default routes
