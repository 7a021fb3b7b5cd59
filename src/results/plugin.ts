import fp from 'fastify-plugin'
import { DecidedMonths } from './engine/decided-months.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The complete months decided for questions about attributes (engine/decided-months.ts). */
    decidedMonths: DecidedMonths
  }
}

/**
 * Owns the decided months: one set per app, read by the results routes and filled ahead by the
 * maintenance jobs, emptied when the app closes (two apps in one process never share it).
 */
export default fp(async (fastify) => {
  const kept = new DecidedMonths()
  fastify.decorate('decidedMonths', kept)
  fastify.addHook('onClose', async () => kept.clear())
}, { name: 'decided-months' })
