import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError, NotFoundError, UnauthorizedError } from '../errors.js'
import { CaseClosedSchema } from '../events/schemas.js'
import { closeCase, reopenCase } from '../events/service.js'
import { OutcomeSchema } from '../invitations/schemas.js'
import { ProblemSchema } from '../schemas.js'
import { READ } from './systems.js'
import { VERIFY, type HookSystem } from './verify.js'

const SYSTEMS = ['zammad', 'glpi', 'znuny', 'jira'] as const satisfies readonly HookSystem[]

const HookResultSchema = z.object({
  action: z.enum(['invited', 'cancelled', 'ignored'])
    .meta({ description: 'invited: case-closed; cancelled: case-reopened; ignored: any other state' }),
  status: OutcomeSchema.optional().meta({ description: 'The invitation\'s outcome, as case-closed answers it' }),
  cancelled: z.number().int().optional().meta({ description: 'Unanswered invitations cancelled' })
}).meta({ id: 'HookResult' })

const AUTH: Record<HookSystem, string> = {
  zammad: '`X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>` (the webhook\'s HMAC SHA1 Signature Token)',
  glpi: '`X-GLPI-signature` (hex HMAC-SHA256 of the body followed by `X-GLPI-timestamp`) with the webhook\'s secret',
  znuny: 'HTTP Basic authentication (any user name; the password is the secret), as the REST requester sends it',
  jira: 'the header `X-Puls-Hook-Secret: <secret>`, added to the rule\'s "Send web request" as a hidden header'
}

/**
 * The ticketing systems' own webhooks under /v1/hooks (docs/integrations.md). They need no API
 * key: each is authenticated by its system's signature with its own secret (HOOK_<SYSTEM>_SECRET),
 * and a hook without a secret does not exist. Nothing of a payload is logged: ticket texts carry
 * personal data.
 */
const routes: FastifyPluginAsyncZod = async (fastify) => {
  const { store, secret, config, clock, invitationMail } = fastify
  // The signature covers the exact bytes: the body is kept raw and parsed only once it holds.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })

  for (const system of SYSTEMS) {
    fastify.post(`/hooks/${system}`, {
      config: { access: 'own' },
      schema: {
        tags: ['events'],
        summary: `${system[0]!.toUpperCase()}${system.slice(1)}'s own webhook: case closed or reopened`,
        description: `Takes the system's own payload (docs/integrations.md), authenticated by ${AUTH[system]}. ` +
          'A closed or solved state invites as `POST /v1/events/case-closed`, a reopened one cancels as ' +
          '`case-reopened`, any other state is accepted and changes nothing. ' +
          `404 while HOOK_${system.toUpperCase()}_SECRET is unset.`,
        security: [],
        response: {
          202: HookResultSchema, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema, 422: ProblemSchema
        }
      }
    }, async (request, reply) => {
      const key = config.hookSecrets[system]
      if (key === undefined) throw new NotFoundError(`hook ${system} (HOOK_${system.toUpperCase()}_SECRET is not set)`)
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      if (!VERIFY[system](key, body, request.headers)) {
        throw new UnauthorizedError(`the ${system} signature does not match`)
      }
      let payload: unknown
      try {
        payload = JSON.parse(body.toString('utf8'))
      } catch {
        // The parser's message quotes the body; it stays out of the answer and the log.
        throw new AppError(400, 'invalid_json', 'Bad Request', 'the body is not JSON')
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new AppError(400, 'invalid_json', 'Bad Request', 'the body is not a JSON object')
      }
      const hook = READ[system](payload as Record<string, unknown>)
      if (hook.action === 'ignore') return reply.code(202).send({ action: 'ignored' })
      if (hook.action === 'reopen') {
        if (hook.caseRef === '') {
          throw new AppError(422, 'unusable_payload', 'Unprocessable Content', 'the payload names no ticket')
        }
        const cancelled = await store.transaction(tx => reopenCase(tx, hook.caseRef, hook.team))
        return reply.code(202).send({ action: 'cancelled', cancelled: cancelled.length })
      }
      const parsed = CaseClosedSchema.safeParse(hook.event)
      if (!parsed.success) {
        const errors = parsed.error.issues.map(i => ({ path: ['payload', ...i.path].join('.'), message: i.message }))
        const missing = errors.map(e => `${e.path} ${e.message}`).join('; ')
        throw new AppError(422, 'unusable_payload', 'Unprocessable Content',
          `the ${system} payload lacks what an invitation needs: ${missing}`, errors)
      }
      const now = clock.now()
      const result = await store.transaction(async tx =>
        closeCase(tx, { secret, publicUrl: config.publicUrl, now, mail: invitationMail.queue }, parsed.data))
      return reply.code(202).send({ action: 'invited', status: result.status })
    })
  }
}

export default routes
