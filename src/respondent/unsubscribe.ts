import { errorCodes, type FastifyReply, type FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { MESSAGES } from '../i18n/messages.js'
import { negotiateLocale } from '../i18n/negotiate.js'
import { findByTokenHash } from '../invitations/repository.js'
import { hashToken } from '../ids.js'
import { optOut } from '../invitations/service.js'
import type { InvitationRow } from '../invitations/tables.js'
import { NotFoundError } from '../errors.js'
import { sendProblem, type Problem } from '../plugins/problems.js'
import type { Locale } from '../schemas.js'
import { findSurvey } from '../surveys/repository.js'
import { sendErrorPage } from './pages.js'
import { page, pageOrProblem, TokenParamsSchema } from './schemas.js'

const tags = ['respondent']

/** A one-click unsubscribe is a few dozen bytes, as a form or as multipart. */
export const MULTIPART_BODY_LIMIT = 16 * 1024

// RFC 8058: a mail client's one-click unsubscribe POSTs `List-Unsubscribe=One-Click`, as a form
// or as multipart/form-data. The body tells nothing the link does not, so it is only bounded.
const OneClickBodySchema = z
  .object({
    'List-Unsubscribe': z
      .string()
      .max(100)
      .optional()
      .meta({ description: '`One-Click` when a mail client sends it (RFC 8058)' })
  })
  .nullish()

/**
 * The unsubscribe link of every survey mail (`List-Unsubscribe`): GET shows a confirmation and
 * records nothing (mail scanners open links too); POST, from that page's button or from a mail
 * client's one-click unsubscribe, opts the person out by the keyed hash of their address. Any
 * link a person was mailed works, also after it was answered or expired.
 */
const routes: FastifyPluginAsyncZod = async fastify => {
  const { store, clock } = fastify

  // A stream parser: Fastify applies no body limit to these, so it counts the bytes itself.
  fastify.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    let received = 0
    let finished = false
    const finish = (err: Error | null): void => {
      if (finished) return
      finished = true
      done(err, err === null ? {} : undefined)
    }
    const tooLarge = (): void => {
      payload.removeAllListeners('data')
      payload.resume()
      finish(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE())
    }
    if (Number(request.headers['content-length']) > MULTIPART_BODY_LIMIT) return tooLarge()
    payload.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received > MULTIPART_BODY_LIMIT) tooLarge()
    })
    payload.on('error', finish)
    payload.on('end', () => finish(null))
  })

  fastify.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-robots-tag', 'noindex, nofollow')
  })

  /** The mailed invitation behind a link, and the language to speak; 404 for anything else. */
  async function resolve (request: FastifyRequest<{ Params: { token: string } }>): Promise<{
    invitation: InvitationRow
    locale: Locale
  }> {
    const invitation = await findByTokenHash(store.db, hashToken(request.params.token))
    if (invitation?.recipientHash == null) throw new NotFoundError('survey link')
    const survey = (await findSurvey(store.db, invitation.surveyId))!
    return {
      invitation,
      locale: negotiateLocale(invitation.locale, request.headers['accept-language'], survey.defaultLocale)
    }
  }

  function errorPage (reply: FastifyReply, problem: Problem): FastifyReply {
    const { request } = reply
    const wantsJson = (request.headers['content-type'] ?? '').includes('json') ||
      (request.headers.accept ?? '').includes('json')
    if (wantsJson) return sendProblem(reply, problem)
    return sendErrorPage(reply, problem, negotiateLocale(null, request.headers['accept-language'], 'en'))
  }

  fastify.get(
    '/s/:token/unsubscribe',
    {
      config: { access: 'public', errorPage },
      schema: {
        tags,
        summary: 'Unsubscribe from survey mail: the confirmation page',
        description:
          'Asks to confirm; records nothing. ' +
          "In the invitation's language, else the browser's, else the survey default.",
        params: TokenParamsSchema,
        response: { 200: page, 404: pageOrProblem }
      }
    },
    async (request, reply) => {
      const { locale } = await resolve(request)
      const t = MESSAGES[locale].unsubscribe
      return reply.view('pages/unsubscribe', {
        lang: locale,
        title: t.title,
        heading: t.title,
        body: t.body,
        button: t.button
      })
    }
  )

  fastify.post(
    '/s/:token/unsubscribe',
    {
      config: { access: 'public', errorPage },
      schema: {
        tags,
        summary: 'Unsubscribe from survey mail',
        description:
          'Opts the person out of all survey mail, by the keyed hash of their address: mail not yet sent is ' +
          'cancelled, no reminder follows, and later invitations answer `opted_out`. Also the target of one-click ' +
          'unsubscribe (RFC 8058, `List-Unsubscribe-Post`). Repeating it changes nothing.',
        consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
        params: TokenParamsSchema,
        body: OneClickBodySchema,
        response: { 200: page, 404: pageOrProblem }
      }
    },
    async (request, reply) => {
      const { invitation, locale } = await resolve(request)
      await store.transaction(tx => optOut(tx, invitation.recipientHash!, clock.now()))
      const t = MESSAGES[locale].unsubscribe
      // 200, never a redirect: RFC 8058 clients do not follow one.
      return reply.view('pages/unsubscribe', {
        lang: locale,
        title: t.doneTitle,
        heading: t.doneTitle,
        body: t.doneBody
      })
    }
  )
}

export default routes
