import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { authProblems, IdParamsSchema, ProblemSchema } from '../schemas.js'
import {
  CreateSurveySchema,
  SurveyListQuerySchema,
  SurveyListSchema,
  SurveySchema,
  UpdateSurveySchema
} from './schemas.js'
import * as surveys from './service.js'
import { rules, scopes } from '../auth/access.js'
import type { SurveyClosed } from './service.js'

const tags = ['surveys']

export interface SurveyRoutesOptions {
  /** Run in the transaction that closes a survey: its invitations end (src/app.ts gives it). */
  closed: SurveyClosed
}

const routes: FastifyPluginAsyncZod<SurveyRoutesOptions> = async (fastify, opts) => {
  const { db } = fastify.store

  fastify.post(
    '/surveys',
    {
      config: { access: rules.admin },
      schema: {
        tags,
        summary: 'Create a survey',
        description: 'Fields left out take the defaults of the survey kind.',
        body: CreateSurveySchema,
        response: { 201: SurveySchema, ...authProblems }
      }
    },
    async (request, reply) => {
      const survey = await surveys.createSurvey(db, request.body, fastify.clock.now())
      return reply.code(201).header('location', `/v1/surveys/${survey.id}`).send(survey)
    }
  )

  fastify.get(
    '/surveys',
    {
      config: { access: { roles: ['admin', 'integration', 'reader'], scope: 'filtered' } },
      schema: {
        tags,
        summary: 'List surveys, newest first',
        querystring: SurveyListQuerySchema,
        response: { 200: SurveyListSchema, ...authProblems }
      }
    },
    async request => await surveys.listSurveys(db, request.query, request.principal?.teams ?? null)
  )

  fastify.get(
    '/surveys/:id',
    {
      config: { access: { roles: ['admin', 'integration', 'reader'], scope: scopes.survey } },
      schema: {
        tags,
        summary: 'Read a survey',
        params: IdParamsSchema,
        response: { 200: SurveySchema, ...authProblems, 404: ProblemSchema }
      }
    },
    async request => surveys.toSurvey(await surveys.getSurveyRow(db, request.params.id))
  )

  fastify.patch(
    '/surveys/:id',
    {
      config: { access: rules.admin },
      schema: {
        tags,
        summary: 'Change or close a survey',
        description:
          "Closing ends the survey's open invitations and erases every invitation's address " +
          'and attributes, in the same transaction.',
        params: IdParamsSchema,
        body: UpdateSurveySchema,
        response: { 200: SurveySchema, ...authProblems, 404: ProblemSchema, 409: ProblemSchema }
      }
    },
    async request =>
      await fastify.store.transaction(tx =>
        surveys.updateSurvey(tx, request.params.id, request.body, fastify.clock.now(), opts.closed)
      )
  )
}

export default routes
