import { randomFillSync } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'

/**
 * The Content-Security-Policy of every page Puls renders (survey, thank-you, poster, report).
 * Every response adds a fresh `'nonce-…'` to `script-src` and `style-src` (`reply.cspNonce`); the
 * views plugin puts the style nonce on the layout's one `<style>`, and no template uses the script
 * nonce, so no script runs at all and injected markup cannot style or script the page. Images
 * come from Puls itself or inline `data:` URLs (QR codes, charts).
 */
export const PAGE_CSP_DIRECTIVES = {
  'default-src': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"]
}

/**
 * /docs only (set by src/plugins/swagger.ts): swagger-ui loads its scripts and styles from
 * /docs/static and fetches the OpenAPI document, so it needs `'self'` for both and `connect-src`;
 * it needs no inline code, so nothing `unsafe-*` is allowed even here.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'"
].join('; ')

/**
 * What every response carries besides its CSP: `nosniff`, no framing, `Referrer-Policy:
 * no-referrer` (so a survey link's token never leaks to another site), HSTS for deployments behind
 * HTTPS, the cross-origin isolation headers, and the legacy headers: helmet's default set, written
 * once here.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0'
})

const CSP_PREFIX = Object.entries(PAGE_CSP_DIRECTIVES).map(([name, values]) => `${name} ${values.join(' ')}`).join(';')

/** The two nonces of one response, as the views plugin reads them. */
export interface CspNonce {
  script: string
  style: string
}

declare module 'fastify' {
  interface FastifyReply {
    cspNonce: CspNonce | null
  }
}

// Nonces are cut from a buffer of random bytes refilled 4 KiB at a time (as crypto.randomUUID
// does): each byte is used once, and one system call serves 128 responses instead of two each.
const pool = Buffer.allocUnsafe(4096)
let used = pool.length
function nonces (): CspNonce {
  if (used + 32 > pool.length) {
    randomFillSync(pool)
    used = 0
  }
  const script = pool.toString('hex', used, used + 16)
  const style = pool.toString('hex', used + 16, used + 32)
  used += 32
  return { script, style }
}

/** The page policy with this response's nonces. */
export function pageCsp (nonce: CspNonce): string {
  return `${CSP_PREFIX};script-src 'nonce-${nonce.script}';style-src 'nonce-${nonce.style}'`
}

/**
 * Security headers on every response: the headers above, and the page CSP with fresh nonces. JSON
 * answers get the same strict policy, which costs nothing and stops a browser from ever rendering
 * one as a page. One synchronous hook sets them from strings made once at start-up: building a
 * policy per response (as @fastify/helmet did) was a third of the no-op route's CPU
 * (BENCHMARKS.md, "The request floor").
 */
export default fp(async (fastify) => {
  fastify.decorateReply('cspNonce', null)
  fastify.addHook('onRequest', (_request, reply: FastifyReply, done) => {
    const nonce = nonces()
    reply.cspNonce = nonce
    reply.headers(SECURITY_HEADERS)
    reply.header('content-security-policy', pageCsp(nonce))
    done()
  })
}, { name: 'security' })
