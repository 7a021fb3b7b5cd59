import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { keyIdOf } from '../auth/keys.js'
import { UnauthorizedError } from '../errors.js'
import { digest } from '../ids.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes that need `Authorization: Bearer <api key>`. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
  interface FastifyRequest {
    /** The id of the API key the request was made with ('bootstrap' for PULS_API_KEY); '' before authenticate. */
    apiKeyId: string
  }
}

export default fp(async (fastify) => {
  const bootstrap = fastify.config.apiKey === undefined ? undefined : digest(fastify.config.apiKey)
  const { db } = fastify.store

  fastify.decorateRequest('apiKeyId', '')
  fastify.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('www-authenticate', 'Bearer realm="puls"')
    const header = request.headers.authorization
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null) throw new UnauthorizedError('send an API key as `Authorization: Bearer <key>`')
    const id = keyIdOf(db, match[1]!, bootstrap)
    if (id === undefined) throw new UnauthorizedError('the API key is unknown or revoked')
    request.apiKeyId = id
  })
}, { name: 'auth', dependencies: ['db'] })
