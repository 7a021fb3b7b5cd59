import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { type Access, checkRole, checkTeam, type Principal, type Subject } from '../auth/access.js'
import { recordAudit } from '../audit/service.js'
import { principalOf } from '../auth/keys.js'
import { UnauthorizedError } from '../errors.js'
import { digest } from '../ids.js'
import { ProblemSchema } from '../schemas.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route's access rule by `METHOD /url`, as declared (docs/access.md). */
    accessRules: Map<string, Access>
  }
  interface FastifyRequest {
    /** The id of the API key the request was made with ('bootstrap' for PULS_API_KEY); '' on public routes. */
    apiKeyId: string
    /** Who made the request; undefined on public routes. */
    principal: Principal | undefined
    /** What the route is about, when its rule has a scope and it exists. */
    subject: Subject | undefined
  }
  interface FastifyContextConfig {
    /** Who may call the route (src/auth/access.ts); required on every /v1 route. */
    access?: Access
  }
}

/**
 * API keys and roles, in one place: every route declares `config: { access }`; an onRequest hook
 * authenticates the key and checks its role, a preHandler hook (after validation, so ids are well
 * formed) keeps a key that names teams to those teams' surveys. A /v1 route without a rule stops
 * the service from starting, so no route is open by mistake.
 */
const ownHooks = (hooks: unknown): unknown[] => (hooks === undefined ? [] : [hooks].flat())

export default fp(async (fastify) => {
  const bootstrap = fastify.config.apiKey === undefined ? undefined : digest(fastify.config.apiKey)
  const { db } = fastify.store
  const rules = new Map<string, Access>()

  fastify.decorate('accessRules', rules)
  fastify.decorateRequest('apiKeyId', '')
  fastify.decorateRequest('principal', undefined)
  fastify.decorateRequest('subject', undefined)

  fastify.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.access
    const methods = [route.method].flat().filter(m => m !== 'HEAD')
    if (access === undefined) {
      if (/^\/v1(\/|$)/.test(route.url)) {
        throw new Error(`${methods.join(',')} ${route.url} declares no access rule (config.access)`)
      }
      return
    }
    for (const method of methods) rules.set(`${method} ${route.url}`, access)
    if (typeof access === 'string') return
    // Documents the bearer requirement, and the 403 of a key without the role or team.
    const response = route.schema?.response as Record<string, unknown> | undefined
    route.schema = {
      ...route.schema,
      security: [{ bearer: [] }],
      ...(response === undefined ? {} : { response: { ...response, 403: ProblemSchema } })
    }
    // The checks ride on the routes with a role rule only (ahead of the route's own hooks, as
    // application hooks would), so public routes and the request floor pay nothing for them.
    route.onRequest = [checkAccess, ...ownHooks(route.onRequest)] as RouteOptions['onRequest']
    route.preHandler = [checkScope, ...ownHooks(route.preHandler)] as RouteOptions['preHandler']
    route.onSend = [audit, ...ownHooks(route.onSend)] as RouteOptions['onSend']
  })

  async function authenticate (request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
    reply.header('www-authenticate', 'Bearer realm="puls"')
    const header = request.headers.authorization
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null) throw new UnauthorizedError('send an API key as `Authorization: Bearer <key>`')
    const principal = await principalOf(db, match[1]!, bootstrap)
    if (principal === undefined) throw new UnauthorizedError('the API key is unknown or revoked')
    return principal
  }

  async function checkAccess (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const access = request.routeOptions.config.access as Exclude<Access, string>
    const principal = await authenticate(request, reply)
    request.principal = principal
    request.apiKeyId = principal.id
    checkRole(principal, access, `${request.method} ${request.routeOptions.url ?? ''}`)
  }

  async function checkScope (request: FastifyRequest): Promise<void> {
    const access = request.routeOptions.config.access as Exclude<Access, string>
    if (access.scope === undefined || access.scope === 'filtered') return
    request.subject = await access.scope.find(db, request)
    checkTeam(request.principal!, access.scope, request.subject, request)
  }

  // Before the body goes out, so a read that cannot be recorded is not served either.
  async function audit (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const access = request.routeOptions.config.access as Exclude<Access, string>
    if (access.audit === undefined) return
    if (reply.statusCode >= 300 || request.principal === undefined) return
    await recordAudit(db, {
      actor: request.principal.id,
      actorKind: request.principal.kind,
      action: access.audit,
      surveyId: request.subject?.surveyId,
      team: request.subject?.team,
      target: access.audit === 'share_link.revoke' ? (request.params as { id: string }).id : undefined
    }, fastify.clock.now())
  }
}, { name: 'auth', dependencies: ['config', 'db'] })
