import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { rules } from '../auth/access.js'
import { authProblems } from '../schemas.js'
import { AuditListQuerySchema, AuditListSchema } from './schemas.js'
import { listAudit } from './service.js'

const routes: FastifyPluginAsyncZod = async (fastify) => {
  fastify.get('/audit', {
    config: { access: rules.admin },
    schema: {
      tags: ['access'],
      summary: 'The audit trail: who read which results, made or revoked links and keys, signed in',
      description: 'Newest hour first. Each event keeps its hour only; never an answer, a respondent or a token.',
      querystring: AuditListQuerySchema,
      response: { 200: AuditListSchema, ...authProblems }
    }
  }, async (request) => await listAudit(fastify.store.db, request.query))
}

export default routes
