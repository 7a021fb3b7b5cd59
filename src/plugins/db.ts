import fp from 'fastify-plugin'
import type { DbHandle } from '../db/client.js'
import { openStore } from '../db/store.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: DbHandle
  }
}

export interface DbPluginOptions {
  /** Only for the tests' throwaway PostgreSQL clusters, which run without fsync (src/db/postgres/client.ts). */
  unsafeSkipDurabilityChecks?: boolean | undefined
}

/** Opens the store (SQLite or PostgreSQL), applies committed migrations, and closes it last on shutdown. */
export default fp<DbPluginOptions>(async (fastify, opts) => {
  const store = await openStore(fastify.config, { unsafeSkipDurabilityChecks: opts.unsafeSkipDurabilityChecks })
  fastify.decorate('store', store)
  // Requests still waiting for a group commit were let finish by close; their batch commits first.
  fastify.addHook('onClose', async () => {
    await store.writes.flush()
    await store.close()
  })
}, { name: 'db', dependencies: ['config'] })
