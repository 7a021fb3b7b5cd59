import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { authProblems, IdParamsSchema, ProblemSchema } from '../schemas.js'
import { getSurveyRow } from '../surveys/service.js'
import { idempotent } from './idempotency.js'
import {
  BatchInputSchema,
  BatchResultSchema,
  IdempotencyHeadersSchema,
  InvitationInputSchema,
  InvitationResultSchema,
  MAX_BATCH
} from './schemas.js'
import { assertOpenSurvey, invite, inviteMany, summarise, type InviteContext } from './service.js'
import { rules } from '../auth/access.js'

const tags = ['invitations']
const problems = { ...authProblems, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema }

// A batch of 10,000 invitations with attributes is a few MiB of JSON; more than that is refused
// by the item count (400), far beyond it by size (413).
export const BATCH_BODY_LIMIT = 16 * 1024 * 1024

const routes: FastifyPluginAsyncZod = async fastify => {
  const { store, secret, config, clock, invitationMail } = fastify
  const context = (now: Date): InviteContext => ({
    secret,
    publicUrl: config.publicUrl,
    now,
    mail: invitationMail.queue
  })

  fastify.post(
    '/surveys/:id/invitations',
    {
      config: { access: rules.integration },
      schema: {
        tags,
        summary: 'Invite one person',
        description:
          'Stores an invitation (`email`: queued for the mailer; `link`: answers its URL once). ' +
          'Safe to retry: the same `Idempotency-Key` answers the first result, ' +
          'the same `case_ref` answers `duplicate`. ' +
          "Recipients who opted out, or were asked within the survey's throttle_days, " +
          'are recorded as `opted_out` or `throttled` and get nothing.',
        params: IdParamsSchema,
        headers: IdempotencyHeadersSchema,
        body: InvitationInputSchema,
        response: { 200: InvitationResultSchema, 201: InvitationResultSchema, ...problems }
      }
    },
    async (request, reply) => {
      const now = clock.now()
      const { id } = request.params
      const answer = await store.transaction(tx =>
        idempotent(
          tx,
          secret,
          request.apiKeyId,
          request.headers['idempotency-key'],
          `POST /v1/surveys/${id}/invitations ${JSON.stringify(request.body)}`,
          now,
          async () => {
            const survey = await getSurveyRow(tx, id)
            assertOpenSurvey(survey)
            const result = await invite(tx, context(now), survey, request.body)
            return { statusCode: result.status === 'duplicate' ? 200 : 201, body: result }
          },
          ({ url: _shownOnce, ...rest }) => rest
        )
      )
      if (answer.replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(answer.statusCode as 200 | 201).send(answer.body)
    }
  )

  fastify.post(
    '/surveys/:id/invitations/batch',
    {
      config: { access: rules.integration },
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        tags,
        summary: `Invite up to ${MAX_BATCH} people at once`,
        description:
          'All items in one transaction: either every item is stored, or (on any invalid item) none. ' +
          'Each item follows the rules of the single call; ' +
          'the answer counts the outcomes and lists one per item, in order.',
        params: IdParamsSchema,
        headers: IdempotencyHeadersSchema,
        body: BatchInputSchema,
        response: { 200: BatchResultSchema, ...problems, 413: ProblemSchema }
      }
    },
    async (request, reply) => {
      const now = clock.now()
      const { id } = request.params
      const answer = await store.transaction(tx =>
        idempotent(
          tx,
          secret,
          request.apiKeyId,
          request.headers['idempotency-key'],
          `POST /v1/surveys/${id}/invitations/batch ${JSON.stringify(request.body)}`,
          now,
          async () => {
            const survey = await getSurveyRow(tx, id)
            assertOpenSurvey(survey)
            const results = await inviteMany(tx, context(now), survey, request.body.invitations)
            return { statusCode: 200, body: summarise(results) }
          },
          body => ({ ...body, items: body.items.map(({ url: _shownOnce, ...item }) => item) })
        )
      )
      if (answer.replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(answer.statusCode as 200).send(answer.body)
    }
  )
}

export default routes
