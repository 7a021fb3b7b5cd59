import fp from 'fastify-plugin'
import { newSecret } from '../ids.js'
import { putSettingOnce } from '../settings/repository.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The HMAC key for throttling and opt-out hashes (docs/anonymity.md, promise 3). */
    secret: Buffer
  }
}

/**
 * PULS_SECRET when set; otherwise one generated on first start and kept in the database, so
 * hashes stay comparable across restarts without the operator having to configure anything.
 */
export default fp(async (fastify) => {
  const secret = fastify.config.secret ?? await putSettingOnce(fastify.store.db, 'hmac_secret', newSecret(32))
  fastify.decorate('secret', Buffer.from(secret, 'utf8'))
}, { name: 'secret', dependencies: ['db'] })
