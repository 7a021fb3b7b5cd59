import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { authProblems, IdParamsSchema, ProblemSchema } from '../schemas.js'
import { ResultsQuerySchema, SurveyResultsSchema, TeamResultsQuerySchema, TeamResultsSchema } from './schemas.js'
import * as results from './service.js'

const tags = ['results']

/** Results, export, report and share links under /v1 (SPEC §3 results rows). */
const routes: FastifyPluginAsyncZod = async (fastify) => {
  const { db } = fastify.store

  fastify.get('/surveys/:id/results', {
    schema: {
      tags,
      summary: 'Aggregated, suppressed results of one survey',
      description: 'NPS, CSAT or CES with margin of error, distribution and response rate; `interval` adds a series, `group_by` ' +
        'groups, and any other query key filters by that attribute. Small groups show only their count (SPEC §2.4–2.5).',
      params: IdParamsSchema,
      querystring: ResultsQuerySchema,
      response: { 200: SurveyResultsSchema, ...authProblems, 404: ProblemSchema }
    }
  }, async (request) => results.surveyResults(db, request.params.id, request.query, fastify.clock.now()))

  fastify.get('/results', {
    schema: {
      tags,
      summary: 'One team\'s results across its surveys with one metric',
      querystring: TeamResultsQuerySchema,
      response: { 200: TeamResultsSchema, ...authProblems, 404: ProblemSchema }
    }
  }, async (request) => results.teamResults(db, request.query, fastify.clock.now()))
}

export default routes
