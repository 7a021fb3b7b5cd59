import { Readable } from 'node:stream'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { authProblems, IdParamsSchema, ProblemSchema } from '../schemas.js'
import { exportCsv } from './outputs/csv.js'
import { reportHeaders } from './outputs/page.js'
import { reportContext } from './outputs/report.js'
import {
  CreateShareLinkSchema,
  ExportQuerySchema,
  filtersOf,
  ReportQuerySchema,
  ResultsQuerySchema,
  ShareLinkListSchema,
  ShareLinkSchema,
  SurveyResultsSchema,
  TeamResultsQuerySchema,
  TeamResultsSchema
} from './schemas.js'
import * as results from './service.js'
import { surveyTargetStatus, teamTargetStatus } from '../targets/service.js'
import { surveyItemTargetStatus, teamItemTargetStatus } from '../targets/item-service.js'
import { getSurveyRow } from '../surveys/service.js'
import * as links from './outputs/share-links.js'
import { reader, scopes } from '../auth/access.js'

const tags = ['results']
const html = { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } }

/** Results, export, report and share links under /v1 (docs/api.md). */
const routes: FastifyPluginAsyncZod = async fastify => {
  const { db } = fastify.store

  fastify.get(
    '/surveys/:id/results',
    {
      config: { access: reader(scopes.survey, 'results.read') },
      schema: {
        tags,
        summary: 'Aggregated, suppressed results of one survey',
        description:
          'NPS, CSAT or CES with margin of error, distribution and response rate; ' +
          '`interval` adds a series, `group_by` groups, and any other query key filters by that attribute. ' +
          'Small groups show only their count.',
        params: IdParamsSchema,
        querystring: ResultsQuerySchema,
        response: { 200: SurveyResultsSchema, ...authProblems, 404: ProblemSchema }
      }
    },
    async request => {
      const now = fastify.clock.now()
      const { id } = request.params
      const filters = filtersOf(request.query)
      const body = await results.surveyResults(db, fastify.decidedMonths, id, request.query, now, filters)
      const survey = await getSurveyRow(db, request.params.id)
      return {
        ...body,
        target: await surveyTargetStatus(db, fastify.decidedMonths, survey, now),
        item_targets: await surveyItemTargetStatus(db, fastify.decidedMonths, survey, now)
      }
    }
  )

  fastify.get(
    '/results',
    {
      config: { access: reader(scopes.teamQuery, 'results.read') },
      schema: {
        tags,
        summary: "One team's results across its surveys with one metric",
        querystring: TeamResultsQuerySchema,
        response: { 200: TeamResultsSchema, ...authProblems, 404: ProblemSchema }
      }
    },
    async request => {
      const now = fastify.clock.now()
      const body = await results.teamResults(db, request.query, now, fastify.decidedMonths)
      const { team, metric } = request.query
      return {
        ...body,
        target: await teamTargetStatus(db, team, metric, now),
        item_targets: await teamItemTargetStatus(db, fastify.decidedMonths, team, metric, now)
      }
    }
  )

  fastify.get(
    '/surveys/:id/responses.csv',
    {
      config: { access: reader(scopes.survey, 'csv.read') },
      schema: {
        tags,
        summary: 'Export the released answers as CSV',
        description:
          'One row per answer: score, comment (only in classes of min_comment_group_size), ' +
          'day (a day or an ISO interval of days) and the attribute values shared by at least min_group_size rows; ' +
          'small groups fold into "(other)". ' +
          "Cells that a spreadsheet could read as a formula are prefixed with '.",
        params: IdParamsSchema,
        querystring: ExportQuerySchema,
        response: {
          200: { description: 'CSV (RFC 4180, UTF-8 with BOM)', content: { 'text/csv': { schema: z.string() } } },
          ...authProblems,
          404: ProblemSchema
        }
      }
    },
    async (request, reply) => {
      const file = await exportCsv(db, fastify.decidedMonths, request.params.id, request.query, fastify.clock.now())
      return (
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .header('cache-control', 'private, no-store')
          // Streamed as it is read; the typed reply only knows the schema's string.
          .send(Readable.from(file.chunks) as unknown as string)
      )
    }
  )

  fastify.get(
    '/surveys/:id/report',
    {
      config: { access: reader(scopes.survey, 'report.read') },
      schema: {
        tags,
        summary: "The survey's report as a self-contained HTML page",
        description: 'Charts are inline SVG drawn on the server; the page loads nothing else and runs no script.',
        params: IdParamsSchema,
        querystring: ReportQuerySchema,
        response: { 200: html, ...authProblems, 404: ProblemSchema }
      }
    },
    async (request, reply) =>
      reportHeaders(reply).view(
        'pages/report',
        await reportContext(db, fastify.decidedMonths, request.params.id, request.query, fastify.clock.now())
      )
  )

  fastify.post(
    '/surveys/:id/share-links',
    {
      config: { access: reader(scopes.survey, 'share_link.create') },
      schema: {
        tags,
        summary: 'Make an expiring, revocable read-only link to the report',
        description: 'The answer carries the link once; only a hash of its token is kept.',
        params: IdParamsSchema,
        body: CreateShareLinkSchema,
        response: { 201: ShareLinkSchema, ...authProblems, 404: ProblemSchema }
      }
    },
    async (request, reply) => {
      const link = await links.createShareLink(
        db,
        request.params.id,
        request.body,
        fastify.clock.now(),
        fastify.config.publicUrl
      )
      return reply.code(201).send(link)
    }
  )

  fastify.get(
    '/surveys/:id/share-links',
    {
      config: { access: reader(scopes.survey) },
      schema: {
        tags,
        summary: "List a survey's report links (without their tokens)",
        params: IdParamsSchema,
        response: { 200: ShareLinkListSchema, ...authProblems, 404: ProblemSchema }
      }
    },
    async request => await links.listShareLinks(db, request.params.id, fastify.clock.now())
  )

  fastify.delete(
    '/share-links/:id',
    {
      config: { access: reader(scopes.shareLink, 'share_link.revoke') },
      schema: {
        tags,
        summary: 'Revoke a report link for good',
        params: IdParamsSchema,
        response: { 200: ShareLinkSchema, ...authProblems, 404: ProblemSchema }
      }
    },
    async request => await links.revokeShareLink(db, request.params.id, fastify.clock.now())
  )
}

export default routes
