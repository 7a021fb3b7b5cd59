import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError, TooManyRequestsError, type FieldError } from '../errors.js'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  request_id?: string
  errors?: FieldError[]
}

const CONTEXT_NAMES: Record<string, string> = {
  querystring: 'query',
  body: 'body',
  params: 'params',
  headers: 'headers'
}

/** `/attributes/0/team` in `body` → `body.attributes[0].team` */
function fieldPath (context: string | undefined, instancePath: string, extraKey?: string): string {
  const parts = instancePath.split('/').filter(p => p !== '')
  if (extraKey !== undefined) parts.push(extraKey)
  let path = CONTEXT_NAMES[context ?? 'body'] ?? context ?? 'body'
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : `.${part}`
  return path
}

function validationErrors (error: FastifyError): FieldError[] {
  if (!hasZodFastifySchemaValidationErrors(error)) {
    return (error.validation ?? []).map(v => ({
      path: fieldPath(error.validationContext, v.instancePath),
      message: v.message ?? 'is invalid'
    }))
  }
  return error.validation.flatMap(v => {
    const keys = (v.params as { keys?: unknown }).keys
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map(key => ({
        path: fieldPath(error.validationContext, v.instancePath, String(key)),
        message: 'is not a known field'
      }))
    }
    return [{ path: fieldPath(error.validationContext, v.instancePath), message: v.message ?? 'is invalid' }]
  })
}

function problem (status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code, ...extra }
}

/** Maps any error to the problem body the client sees. 5xx details stay in the log. */
export function toProblem (error: unknown, request: FastifyRequest): Problem {
  if (error instanceof AppError) {
    return problem(error.status, error.code, error.message, error.errors === undefined ? {} : { errors: error.errors })
  }
  const fe = error as FastifyError
  if (fe.validation !== undefined) {
    const errors = validationErrors(fe)
    const detail = errors.map(e => `${e.path}: ${e.message}`).join('; ')
    return problem(400, 'validation_failed', detail === '' ? 'the request is invalid' : detail, { errors })
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500
  if (status >= 400 && status < 500) {
    return problem(status, (fe.code ?? 'bad_request').toLowerCase(), fe.message)
  }
  return problem(
    500,
    'internal_error',
    `An internal error occurred. Quote request id ${request.id} when reporting it.`,
    { request_id: request.id }
  )
}

export function sendProblem (reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body)
}

/**
 * Fastify's answers for URLs it cannot route (bad percent-encoding, an over-long path segment),
 * as problems too; its own would be plain JSON quoting the URL, which may carry a token.
 * Passed to the Fastify constructor as `frameworkErrors` (src/app.ts serverOptions).
 */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 500
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed')
    sendProblem(
      reply,
      problem(500, 'internal_error', `An internal error occurred. Quote request id ${request.id} when reporting it.`, {
        request_id: request.id
      })
    )
    return
  }
  const detail = status === 414 ? 'a segment of the URL path is too long' : 'the URL is not validly percent-encoded'
  sendProblem(reply, problem(status, error.code.toLowerCase(), detail))
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Set on respondent pages: errors there render as a friendly HTML page through this function
     * instead of problem JSON, unless the client asked for JSON. It may look up the link first.
     */
    errorPage?: (reply: FastifyReply, problem: Problem) => FastifyReply | Promise<FastifyReply>
  }
}

/** The one error handler: every 4xx and 5xx becomes `application/problem+json` (RFC 9457). */
export default fp(
  async fastify => {
    fastify.setErrorHandler((error, request, reply) => {
      const body = toProblem(error, request)
      if (body.status >= 500) request.log.error({ err: error }, 'request failed')
      if (error instanceof TooManyRequestsError) reply.header('retry-after', String(error.retryAfter))
      const page = request.routeOptions.config.errorPage
      if (page !== undefined && !(request.headers.accept ?? '').includes('json')) return page(reply, body)
      return sendProblem(reply, body)
    })

    fastify.setNotFoundHandler((request, reply) => {
      return sendProblem(
        reply,
        problem(404, 'route_not_found', `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`)
      )
    })
  },
  { name: 'problems' }
)
