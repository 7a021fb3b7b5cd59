import fp from 'fastify-plugin'
import type { Config } from '../config.js'

/** Time as the service sees it; tests pass their own to drive expiry, reminders and retention. */
export interface Clock {
  now: () => Date
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    clock: Clock
  }
}

export interface ConfigPluginOptions {
  config: Config
  clock?: Clock | undefined
}

export default fp<ConfigPluginOptions>(async (fastify, opts) => {
  fastify.decorate('config', opts.config)
  fastify.decorate('clock', opts.clock ?? { now: () => new Date() })
}, { name: 'config' })
