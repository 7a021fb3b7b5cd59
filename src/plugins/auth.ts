import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isValidKey } from '../auth/keys.js'
import { UnauthorizedError } from '../errors.js'
import { digest } from '../ids.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for routes that need `Authorization: Bearer <api key>`. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

export default fp(async (fastify) => {
  const bootstrap = fastify.config.apiKey === undefined ? undefined : digest(fastify.config.apiKey)
  const { db } = fastify.store

  fastify.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('www-authenticate', 'Bearer realm="puls"')
    const header = request.headers.authorization
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null) throw new UnauthorizedError('send an API key as `Authorization: Bearer <key>`')
    if (!isValidKey(db, match[1]!, bootstrap)) throw new UnauthorizedError('the API key is unknown or revoked')
  })
}, { name: 'auth', dependencies: ['db'] })
