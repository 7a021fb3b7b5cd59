import type { FastifyReply } from 'fastify'

/**
 * Headers for report pages: the page needs nothing but its own inline styles, so the policy
 * forbids every other source (no script, no external asset, no frame), and nothing is cached.
 */
export function reportHeaders (reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    .header('cache-control', 'private, no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
}
