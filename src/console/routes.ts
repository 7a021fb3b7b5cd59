import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { type AuditAction, recordAudit } from '../audit/service.js'
import { posterContext } from '../collectors/poster.js'
import { qrSvg } from '../collectors/qr.js'
import { findCollector } from '../collectors/repository.js'
import { collectorUrl, listCollectors } from '../collectors/service.js'
import type { OidcConfig } from '../config.js'
import { acceptedLocales } from '../i18n/negotiate.js'
import { reportHeaders } from '../results/outputs/page.js'
import { reportContext } from '../results/outputs/report.js'
import { createShareLink, listShareLinks, revokeShareLink } from '../results/outputs/share-links.js'
import { findShareLink } from '../results/storage/repository.js'
import { ReportQuerySchema } from '../results/schemas.js'
import { IdParamsSchema } from '../schemas.js'
import { findSurvey } from '../surveys/repository.js'
import type { SurveyRow } from '../surveys/tables.js'
import { listSurveys } from '../surveys/service.js'
import { oidcClient } from './oidc.js'
import {
  clearCookie, csrfToken, FLOW_COOKIE, readFlow, readSession, SESSION_COOKIE, type Session, validCsrf, writeCookie
} from './session.js'
import { CONSOLE_TEXT } from './text.js'

const FLOW_MS = 10 * 60_000
// Pages only a signed-in person sees: none of them is in the API document.
const page = { hide: true }

/**
 * The console for people (docs/access.md): sign-in with OpenID Connect, their teams' surveys and
 * reports. Registered only when OIDC_* is configured. Routes check the session themselves
 * (access 'own'), never an API key.
 */
const routes: FastifyPluginAsyncZod<{ oidc: OidcConfig }> = async (fastify, { oidc }) => {
  const { store, clock, secret, config } = fastify
  const secure = config.publicUrl.startsWith('https:')
  const provider = oidcClient(oidc, `${config.publicUrl}/console/callback`)
  const own = { access: 'own' as const }

  const localeOf = (request: FastifyRequest) => acceptedLocales(request.headers['accept-language'])[0] ?? 'en'
  const message = (request: FastifyRequest, reply: FastifyReply, status: number, key: string) => {
    const t = CONSOLE_TEXT[localeOf(request)]
    const lang = localeOf(request)
    return reportHeaders(reply).code(status).view('pages/console-message', { lang, t, message: t[key] })
  }
  const signIn = (reply: FastifyReply) => reply.redirect('/console/login', 302)

  fastify.get('/console/login', { config: own, schema: page }, async (_request, reply) => {
    const now = clock.now()
    const { url, state, verifier } = await provider.start()
    writeCookie(reply, FLOW_COOKIE, { state, verifier, exp: now.getTime() + FLOW_MS }, now, secure)
    return reply.header('cache-control', 'no-store').redirect(url, 302)
  })

  fastify.get('/console/callback', { config: own, schema: page }, async (request, reply) => {
    const now = clock.now()
    const flow = readFlow(request, now)
    // One use: whatever happens next, this sign-in attempt is over.
    clearCookie(reply, FLOW_COOKIE)
    if (flow === undefined) return message(request, reply, 400, 'expired')
    let person
    try {
      person = await provider.finish(new URL(request.url, config.publicUrl), flow)
    } catch (err) {
      request.log.warn({ err: { name: (err as Error).name, code: (err as { code?: string }).code } }, 'sign-in refused')
      return message(request, reply, 400, 'failed')
    }
    if (!person.admin && person.teams.length === 0) return message(request, reply, 403, 'noTeam')
    writeCookie(reply, SESSION_COOKIE, { ...person, exp: now.getTime() + oidc.sessionTtlMs }, now, secure)
    await recordAudit(store.db, { actor: person.sub, actorKind: 'person', action: 'sign_in' }, now)
    return reply.redirect('/console', 303)
  })

  fastify.get('/console', { config: own, schema: page }, async (request, reply) => {
    const session = readSession(request, clock.now())
    if (session === undefined) return signIn(reply)
    const lang = localeOf(request)
    const { items } = await listSurveys(store.db, { limit: 100 }, session.admin ? null : session.teams)
    return reportHeaders(reply).view('pages/console', {
      lang, t: CONSOLE_TEXT[lang], sub: session.sub, surveys: items, csrf: csrfToken(secret, session)
    })
  })

  /** The survey, if the session may see it; another team's is answered as an unknown one. */
  const surveyOf = async (session: Session, id: string) => {
    const survey = await findSurvey(store.db, id)
    return survey !== undefined && (session.admin || session.teams.includes(survey.team)) ? survey : undefined
  }
  const audit = async (session: Session, action: AuditAction, survey: SurveyRow, now: Date, target?: string) => {
    const { id: surveyId, team } = survey
    await recordAudit(store.db, { actor: session.sub, actorKind: 'person', action, surveyId, team, target }, now)
  }

  const surveyPage = { config: own, schema: { ...page, params: IdParamsSchema } }
  fastify.get('/console/surveys/:id', surveyPage, async (request, reply) => {
    const session = readSession(request, clock.now())
    if (session === undefined) return signIn(reply)
    const survey = await surveyOf(session, request.params.id)
    if (survey === undefined) return message(request, reply, 404, 'none')
    const lang = localeOf(request)
    const now = clock.now()
    return reportHeaders(reply).view('pages/console-survey', {
      lang,
      t: CONSOLE_TEXT[lang],
      survey,
      collectors: (await listCollectors(store.db, survey.id, { limit: 100 }, config.publicUrl)).items,
      links: (await listShareLinks(store.db, survey.id, now)).items.filter(l => l.status === 'active'),
      csrf: csrfToken(secret, session)
    })
  })

  fastify.get('/console/surveys/:id/report', {
    config: own,
    schema: { ...page, params: IdParamsSchema, querystring: ReportQuerySchema }
  }, async (request, reply) => {
    const session = readSession(request, clock.now())
    if (session === undefined) return signIn(reply)
    const survey = await surveyOf(session, request.params.id)
    if (survey === undefined) return message(request, reply, 404, 'none')
    const now = clock.now()
    const context = await reportContext(store.db, fastify.decidedMonths, survey.id, request.query, now)
    await audit(session, 'report.read', survey, now)
    return reportHeaders(reply).view('pages/report', context)
  })

  fastify.get('/console/collectors/:id/:what', {
    config: own,
    schema: { ...page, params: IdParamsSchema.extend({ what: z.enum(['qr.svg', 'poster']) }) }
  }, async (request, reply) => {
    const session = readSession(request, clock.now())
    if (session === undefined) return signIn(reply)
    const collector = await findCollector(store.db, request.params.id)
    const survey = collector === undefined ? undefined : await surveyOf(session, collector.surveyId)
    if (collector === undefined || survey === undefined || collector.status !== 'active') {
      return message(request, reply, 404, 'none')
    }
    if (request.params.what === 'poster') {
      return reply.view('pages/poster', await posterContext(collector, survey, config.publicUrl))
    }
    const svg = await qrSvg(collectorUrl(config.publicUrl, collector.token))
    return reply.type('image/svg+xml; charset=utf-8').send(svg)
  })

  fastify.post('/console/surveys/:id/share-links', {
    config: own,
    schema: {
      ...page,
      params: IdParamsSchema,
      body: z.object({ csrf: z.string().max(200), expires_in_days: z.coerce.number().int().min(1).max(365) })
    }
  }, async (request, reply) => {
    const now = clock.now()
    const session = readSession(request, now)
    if (session === undefined) return signIn(reply)
    if (!validCsrf(secret, session, request.body.csrf)) return message(request, reply, 403, 'forbidden')
    const survey = await surveyOf(session, request.params.id)
    if (survey === undefined) return message(request, reply, 404, 'none')
    const { expires_in_days: days } = request.body
    const link = await createShareLink(store.db, survey.id, { expires_in_days: days }, now, config.publicUrl)
    await audit(session, 'share_link.create', survey, now, link.id)
    const lang = localeOf(request)
    return reportHeaders(reply).view('pages/console-link', { lang, t: CONSOLE_TEXT[lang], survey, link })
  })

  fastify.post('/console/share-links/:id/revoke', {
    config: own,
    schema: { ...page, params: IdParamsSchema, body: z.object({ csrf: z.string().max(200) }) }
  }, async (request, reply) => {
    const now = clock.now()
    const session = readSession(request, now)
    if (session === undefined) return signIn(reply)
    if (!validCsrf(secret, session, request.body.csrf)) return message(request, reply, 403, 'forbidden')
    const link = await findShareLink(store.db, request.params.id)
    const survey = link === undefined ? undefined : await surveyOf(session, link.surveyId)
    if (link === undefined || survey === undefined) return message(request, reply, 404, 'none')
    await revokeShareLink(store.db, link.id, now)
    await audit(session, 'share_link.revoke', survey, now, link.id)
    return reply.redirect(`/console/surveys/${survey.id}`, 303)
  })

  fastify.post('/console/logout', {
    config: own,
    schema: { ...page, body: z.object({ csrf: z.string().max(200).optional() }) }
  }, async (request, reply) => {
    const session = readSession(request, clock.now())
    if (session !== undefined && !validCsrf(secret, session, request.body.csrf)) {
      return message(request, reply, 403, 'forbidden')
    }
    clearCookie(reply, SESSION_COOKIE)
    return message(request, reply, 200, 'signedOut')
  })
}

export default routes
