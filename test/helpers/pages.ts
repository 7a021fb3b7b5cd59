import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'

/** A brand folder holding only test pages; everything else falls back to the built-in templates. */
export const probeTemplatesDir = fileURLToPath(new URL('../fixtures/templates', import.meta.url))

/**
 * Test-only routes serving a page through the real views plugin, layout and security headers,
 * until the product's own pages exist. `?injected=` is rendered unescaped on purpose: it stands
 * for markup an attacker slipped past escaping, which the Content-Security-Policy must disarm.
 */
export const probeRoutes: FastifyPluginAsync = async fastify => {
  fastify.get('/test/page', async (request, reply) => {
    const { injected } = request.query as { injected?: string }
    return reply.view('pages/probe', { injected })
  })
}

/** build() options that add the probe page, on top of `env`. */
export function withProbePage (env: Record<string, string> = {}): {
  env: Record<string, string>
  routes: FastifyPluginAsync
} {
  return { env: { PULS_TEMPLATES_DIR: probeTemplatesDir, ...env }, routes: probeRoutes }
}
