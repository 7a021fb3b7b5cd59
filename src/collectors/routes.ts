import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { authProblems, IdParamsSchema, ProblemSchema } from '../schemas.js'
import { qrPng, qrSvg } from './qr.js'
import {
  CollectorListQuerySchema,
  CollectorListSchema,
  CollectorSchema,
  CreateCollectorSchema,
  QrQuerySchema,
  UpdateCollectorSchema
} from './schemas.js'
import { posterContext } from './poster.js'
import * as collectors from './service.js'
import { rules } from '../auth/access.js'

const tags = ['collectors']

const routes: FastifyPluginAsyncZod = async fastify => {
  const { db } = fastify.store
  const { publicUrl } = fastify.config

  fastify.post(
    '/surveys/:id/collectors',
    {
      config: { access: rules.admin },
      schema: {
        tags,
        summary: 'Create a collector: a multi-use anonymous link (QR code, poster) for a place or service point',
        params: IdParamsSchema,
        body: CreateCollectorSchema,
        response: { 201: CollectorSchema, ...authProblems, 404: ProblemSchema, 409: ProblemSchema }
      }
    },
    async (request, reply) => {
      const now = fastify.clock.now()
      const collector = await collectors.createCollector(db, request.params.id, request.body, now, publicUrl)
      return reply.code(201).header('location', `/v1/collectors/${collector.id}`).send(collector)
    }
  )

  fastify.get(
    '/surveys/:id/collectors',
    {
      config: { access: rules.integration },
      schema: {
        tags,
        summary: "List a survey's collectors, newest first",
        params: IdParamsSchema,
        querystring: CollectorListQuerySchema,
        response: { 200: CollectorListSchema, ...authProblems, 404: ProblemSchema }
      }
    },
    async request => await collectors.listCollectors(db, request.params.id, request.query, publicUrl)
  )

  fastify.get(
    '/collectors/:id',
    {
      config: { access: rules.integration },
      schema: {
        tags,
        summary: 'Read a collector',
        params: IdParamsSchema,
        response: { 200: CollectorSchema, ...authProblems, 404: ProblemSchema }
      }
    },
    async request => collectors.toCollector(await collectors.getCollectorRow(db, request.params.id), publicUrl)
  )

  fastify.patch(
    '/collectors/:id',
    {
      config: { access: rules.admin },
      schema: {
        tags,
        summary: 'Relabel, retune or close a collector',
        params: IdParamsSchema,
        body: UpdateCollectorSchema,
        response: { 200: CollectorSchema, ...authProblems, 404: ProblemSchema, 409: ProblemSchema }
      }
    },
    async request =>
      await collectors.updateCollector(db, request.params.id, request.body, fastify.clock.now(), publicUrl)
  )

  fastify.get(
    '/collectors/:id/qr',
    {
      config: { access: rules.integration },
      schema: {
        tags,
        summary: "The collector's QR code (SVG or PNG); it decodes to the collector's public URL",
        description: 'Error correction level Q (25 %), suited to print.',
        params: IdParamsSchema,
        querystring: QrQuerySchema,
        response: {
          200: {
            description: 'The QR code',
            content: {
              'image/svg+xml': { schema: z.string().meta({ contentMediaType: 'image/svg+xml' }) },
              'image/png': { schema: z.string().meta({ contentMediaType: 'image/png' }) }
            }
          },
          ...authProblems,
          404: ProblemSchema,
          410: ProblemSchema
        }
      }
    },
    async (request, reply) => {
      const { collector } = await collectors.getOpenCollector(db, request.params.id)
      const url = collectors.collectorUrl(publicUrl, collector.token)
      const { format, size, margin } = request.query
      // The code never changes for a collector, but it stops working when the collector closes.
      reply.header('cache-control', 'private, max-age=300')
      // The schema can only describe the bytes as a string; Fastify sends a Buffer as it is.
      if (format === 'png') {
        return reply.type('image/png').send((await qrPng(url, { size, margin })) as unknown as string)
      }
      return reply.type('image/svg+xml; charset=utf-8').send(await qrSvg(url, { size, margin }))
    }
  )

  fastify.get(
    '/collectors/:id/poster',
    {
      config: { access: rules.integration },
      schema: {
        tags,
        summary: "A printable A4 poster (HTML) with the QR code and the question, in the collector's locale",
        params: IdParamsSchema,
        response: {
          200: { description: 'An HTML page to print on A4', content: { 'text/html': { schema: z.string() } } },
          ...authProblems,
          404: ProblemSchema,
          410: ProblemSchema
        }
      }
    },
    async (request, reply) => {
      const { collector, survey } = await collectors.getOpenCollector(db, request.params.id)
      return reply.view('pages/poster', await posterContext(collector, survey, publicUrl))
    }
  )
}

export default routes
