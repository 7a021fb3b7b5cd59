import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { clientKey } from '../collectors/clients.js'
import { checkCooldown, clientAnswerLimiter, startCooldown } from '../collectors/limits.js'
import { collectorUrl } from '../collectors/service.js'
import { hashToken } from '../ids.js'
import { sendProblem, toProblem, type Problem } from '../plugins/problems.js'
import type { Locale } from '../schemas.js'
import { SCALES } from '../surveys/defaults.js'
import { submitAnswer } from './answer.js'
import { itemsFromForm } from './items.js'
import { formItems, sendErrorPage, surveyPage, thanksPage } from './pages.js'
import {
  AnswerBodySchema, AnswerRecordedSchema, page, pageOrProblem, seeOther, SurveyPageQuerySchema, TokenParamsSchema
} from './schemas.js'
import { closedError, resolveTarget, targetLocale, type AnswerTarget } from './targets.js'

const tags = ['respondent']

// A comment and ten text items of 2,000 characters each, percent-encoded as a form (up to 9 bytes
// a character), stay under this.
export const ANSWER_BODY_LIMIT = 256 * 1024

/**
 * The respondent's pages (docs/api.md): plain server-rendered HTML that works without
 * JavaScript. Opening a link never records anything (docs/anonymity.md); only the form's POST
 * does, through `submitAnswer` (./answer.ts).
 */
const routes: FastifyPluginAsyncZod = async (fastify) => {
  const { store, clock } = fastify
  const clientAnswers = clientAnswerLimiter(fastify)
  // The target a request resolved, so that its error page speaks the target's language.
  const resolved = new WeakMap<FastifyRequest, AnswerTarget>()

  async function targetOf (request: FastifyRequest<{ Params: { token: string } }>): Promise<AnswerTarget> {
    const known = resolved.get(request)
    if (known !== undefined) return known
    const target = await resolveTarget(store.db, hashToken(request.params.token), clock.now())
    resolved.set(request, target)
    return target
  }

  function localeOf (request: FastifyRequest, target: AnswerTarget | undefined): Locale {
    return targetLocale(target, request.headers['accept-language'])
  }

  function isJson (request: FastifyRequest): boolean {
    return (request.headers['content-type'] ?? '').includes('json')
  }

  /** Errors here are pages in the respondent's language; a rejected answer shows the form again. */
  async function errorPage (reply: FastifyReply, problem: Problem): Promise<FastifyReply> {
    const request = reply.request as FastifyRequest<{ Params: { token: string } }>
    if (isJson(request)) return sendProblem(reply, problem)
    let target = resolved.get(request)
    // Errors found before the handler ran (a bad body) still know their link: its language, and
    // whether it is unknown or used, which the respondent needs to hear about first.
    if (target === undefined && problem.status < 500 && typeof request.params.token === 'string') {
      try {
        target = await targetOf(request)
      } catch (err) {
        if (problem.status === 400) return sendErrorPage(reply, toProblem(err, request), localeOf(request, undefined))
      }
    }
    const locale = localeOf(request, target)
    if (problem.status === 400 && request.method === 'POST' && target !== undefined) {
      if (target.closedReason !== null) {
        return sendErrorPage(reply, toProblem(closedError(target.closedReason), request), locale)
      }
      const body = (request.body ?? {}) as Record<string, unknown>
      const score = Number(body.score)
      return reply.code(400).view('pages/survey', surveyPage(target, locale, {
        score: Number.isInteger(score) ? score : undefined,
        comment: typeof body.comment === 'string' ? body.comment : undefined,
        items: formItems(body.items),
        invalid: (problem.errors ?? []).map(e => e.path)
      }))
    }
    return sendErrorPage(reply, problem, locale)
  }

  // Tokens are in these URLs: no caching, no referrer, no search index.
  fastify.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-robots-tag', 'noindex, nofollow')
  })

  fastify.get('/s/:token', {
    config: { access: 'public', errorPage },
    schema: {
      tags,
      summary: 'The survey page',
      description: 'Server-rendered HTML in the invitation\'s language, else the browser\'s, ' +
        'else the collector\'s or the survey default. `?score=N` pre-selects a score and records nothing. ' +
        'Unknown link 404, already answered 409, expired, closed or withdrawn 410, each a friendly page.',
      params: TokenParamsSchema,
      querystring: SurveyPageQuerySchema,
      response: { 200: page, 404: pageOrProblem, 409: pageOrProblem, 410: pageOrProblem }
    }
  }, async (request, reply) => {
    const target = await targetOf(request)
    if (target.closedReason !== null) throw closedError(target.closedReason)
    const scale = SCALES[target.survey.metric]
    const score = request.query.score === undefined ? Number.NaN : Number(request.query.score)
    const preselect = Number.isInteger(score) && score >= scale.min && score <= scale.max ? score : undefined
    return reply.view('pages/survey', surveyPage(target, localeOf(request, target), { score: preselect }))
  })

  fastify.post('/s/:token', {
    config: { access: 'public', errorPage },
    bodyLimit: ANSWER_BODY_LIMIT,
    // Before the schema: a form's `items.<key>` fields become the `items` object JSON sends.
    preValidation: async (request) => {
      if (!isJson(request) && typeof request.body === 'object' && request.body !== null) {
        itemsFromForm(request.body as Record<string, unknown>)
      }
    },
    schema: {
      tags,
      summary: 'Submit an answer',
      description: 'A form post answers 303 to the thank-you page (post/redirect/get); a JSON post answers 201. ' +
        'A rejected answer (400: the form again, with the error) leaves the link usable. ' +
        '404, 409 and 410 as for the page. Through a collector (QR) link, 429 with Retry-After past ' +
        'its abuse limits: per client, per browser (cooldown cookie) or per collector and hour.',
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      params: TokenParamsSchema,
      body: AnswerBodySchema,
      response: {
        201: AnswerRecordedSchema,
        303: seeOther('Recorded; see the thank-you page'),
        400: pageOrProblem,
        404: pageOrProblem,
        409: pageOrProblem,
        410: pageOrProblem,
        413: pageOrProblem,
        429: pageOrProblem
      }
    }
  }, async (request, reply) => {
    const now = clock.now()
    const target = await submitAnswer(store, {
      tokenHash: hashToken(request.params.token),
      body: request.body,
      source: isJson(request) ? 'json' : 'form',
      acceptLanguage: request.headers['accept-language'],
      now,
      client: () => clientKey(fastify.secret, request.ip)
    }, {
      resolved: known => resolved.set(request, known),
      admit: async () => {
        await clientAnswers(request)
        checkCooldown(request, now)
      }
    })
    // Counted only once committed, so the metric never shows an answer that was rolled back.
    fastify.metrics.answerReceived(target.survey.kind)
    const limits = target.submitLimits
    if (limits !== undefined) {
      startCooldown(reply, collectorUrl(fastify.config.publicUrl, request.params.token), limits.cooldownSeconds, now)
    }
    if (isJson(request)) return reply.code(201).send({ status: 'recorded' as const })
    // Relative, so that it holds behind any reverse-proxy prefix: /s/<token> → /s/<token>/thanks.
    return reply.redirect(`${request.params.token}/thanks`, 303)
  })

  fastify.get('/s/:token/thanks', {
    config: { access: 'public', errorPage },
    schema: {
      tags,
      summary: 'The thank-you page after an answer',
      description: 'For a link not answered yet, 303 back to the survey page.',
      params: TokenParamsSchema,
      response: {
        200: page,
        303: seeOther('Not answered yet; see the survey page'),
        404: pageOrProblem,
        409: pageOrProblem,
        410: pageOrProblem
      }
    }
  }, async (request, reply) => {
    const target = await targetOf(request)
    const answered = target.closedReason === 'already_answered' || (target.multiUse && target.closedReason === null)
    if (answered) return reply.view('pages/thanks', thanksPage(localeOf(request, target)))
    if (target.closedReason === null) return reply.redirect(`../${request.params.token}`, 303)
    throw closedError(target.closedReason)
  })
}

export default routes
