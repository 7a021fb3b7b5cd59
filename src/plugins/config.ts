import fp from 'fastify-plugin'
import { systemClock, type Clock } from '../clock.js'
import type { Config } from '../config.js'

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
  fastify.decorate('clock', opts.clock ?? systemClock)
}, { name: 'config' })
