import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { idempotent } from '../invitations/idempotency.js'
import { IdempotencyHeadersSchema, InvitationResultSchema } from '../invitations/schemas.js'
import { authProblems, ProblemSchema } from '../schemas.js'
import { CaseClosedSchema, CaseReopenedResultSchema, CaseReopenedSchema } from './schemas.js'
import { rules } from '../auth/access.js'
import { closeCase, reopenCase } from './service.js'

const tags = ['events']

// Hooks for the ticketing system (docs/api.md). Retries are expected: both are idempotent.
const routes: FastifyPluginAsyncZod = async fastify => {
  const { store, secret, config, clock, invitationMail } = fastify

  fastify.post(
    '/events/case-closed',
    {
      config: { access: rules.integration },
      schema: {
        tags,
        summary: 'A case was closed: invite its requester',
        description:
          "Invites by e-mail to the team's active `post_case` survey (the newest, if there are several). " +
          'Same rules and answers as `POST /v1/surveys/{id}/invitations`; ' +
          '404 when the team has no active post_case survey.',
        headers: IdempotencyHeadersSchema,
        body: CaseClosedSchema,
        response: {
          200: InvitationResultSchema,
          201: InvitationResultSchema,
          ...authProblems,
          404: ProblemSchema,
          422: ProblemSchema
        }
      }
    },
    async (request, reply) => {
      const now = clock.now()
      const answer = await store.transaction(async tx =>
        idempotent(
          tx,
          secret,
          request.apiKeyId,
          request.headers['idempotency-key'],
          `POST /v1/events/case-closed ${JSON.stringify(request.body)}`,
          now,
          async () => {
            const context = { secret, publicUrl: config.publicUrl, now, mail: invitationMail.queue }
            const result = await closeCase(tx, context, request.body)
            return { statusCode: result.status === 'duplicate' ? 200 : 201, body: result }
          },
          body => body
        )
      )
      if (answer.replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(answer.statusCode as 200 | 201).send(answer.body)
    }
  )

  fastify.post(
    '/events/case-reopened',
    {
      config: { access: rules.integration },
      schema: {
        tags,
        summary: 'A case was reopened: withdraw its invitation',
        description:
          'Its link then answers 410 and no reminder goes out. An answered invitation is withdrawn as well ' +
          '(its answer stays), so the reply never says whether the requester answered. ' +
          'If the case closes again, `case-closed` arms the same invitation anew, with a new link.',
        body: CaseReopenedSchema,
        response: { 200: CaseReopenedResultSchema, ...authProblems }
      }
    },
    async request => {
      const { case_ref: caseRef, team } = request.body
      const invitations = await store.transaction(tx => reopenCase(tx, caseRef, team))
      return { cancelled: invitations.length, invitations }
    }
  )
}

export default routes
