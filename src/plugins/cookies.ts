import cookie from '@fastify/cookie'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

/**
 * Cookie parsing and signing (@fastify/cookie), keyed with the server secret so that a signed
 * cookie cannot be forged by the browser that holds it. Puls sets no session or tracking cookie:
 * the only ones are the collectors' answer cooldown, which holds nothing but its own expiry, and
 * the console's sign-in. Cookies are parsed where they are read (`requestCookie`), not by a hook
 * on every request: almost no route reads one.
 */
export default fp(async (fastify) => {
  await fastify.register(cookie, { secret: fastify.secret, hook: false })
}, { name: 'cookies', dependencies: ['secret'] })

/** The value of the request's cookie `name`, parsing the Cookie header on first use. */
export function requestCookie (request: FastifyRequest, name: string): string | undefined {
  request.cookies ??= request.server.parseCookie(request.headers.cookie ?? '')
  return request.cookies[name]
}
