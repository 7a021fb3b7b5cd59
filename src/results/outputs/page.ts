import type { FastifyReply } from 'fastify'

/**
 * Headers for report pages. Their Content-Security-Policy is the one of every page
 * (src/plugins/security.ts): the page's one `<style>` carries the response's nonce, its charts are
 * inline SVG, so nothing inline needs `'unsafe-inline'`. Nothing is cached.
 */
export function reportHeaders (reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'private, no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
}
