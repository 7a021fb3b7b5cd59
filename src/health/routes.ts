import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'

const StatusSchema = z.object({ status: z.enum(['ok', 'unavailable']) })
const tags = ['health']

const routes: FastifyPluginAsyncZod = async (fastify) => {
  fastify.get('/healthz', {
    config: { access: 'public' },
    schema: { tags, summary: 'Liveness: the process answers', response: { 200: StatusSchema } }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/readyz', {
    config: { access: 'public' },
    schema: {
      tags,
      summary: 'Readiness: the database answers and every migration is applied',
      response: { 200: StatusSchema, 503: StatusSchema }
    }
  }, async (_request, reply) => {
    let ready = false
    try {
      ready = await fastify.store.ready()
    } catch {}
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable' })
  })
}

export default routes
