import cookie from '@fastify/cookie'
import fp from 'fastify-plugin'

/**
 * Cookie parsing and signing (@fastify/cookie), keyed with the server secret so that a signed
 * cookie cannot be forged by the browser that holds it. Puls sets no session or tracking cookie:
 * the only one is the collectors' answer cooldown, which holds nothing but its own expiry.
 */
export default fp(async (fastify) => {
  await fastify.register(cookie, { secret: fastify.secret })
}, { name: 'cookies', dependencies: ['secret'] })
