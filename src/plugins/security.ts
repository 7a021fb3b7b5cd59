import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

/**
 * The Content-Security-Policy of every page Puls renders (survey, thank-you, poster, report).
 * @fastify/helmet adds a fresh `'nonce-…'` to `script-src` and `style-src` on every request
 * (`reply.cspNonce`); the views plugin puts the style nonce on the layout's one `<style>`, and no
 * template uses the script nonce, so no script runs at all and injected markup cannot style or
 * script the page. Images come from Puls itself or inline `data:` URLs (QR codes, charts).
 */
export const PAGE_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"]
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
 * Security headers on every response (@fastify/helmet): the CSP above, `nosniff`, no framing,
 * `Referrer-Policy: no-referrer` (so a survey link's token never leaks to another site), HSTS for
 * deployments behind HTTPS, and the cross-origin isolation headers. JSON answers get the same
 * strict policy, which costs nothing and stops a browser from ever rendering one as a page.
 */
export default fp(async (fastify) => {
  await fastify.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP_DIRECTIVES },
    frameguard: { action: 'deny' }
  })
}, { name: 'security' })
