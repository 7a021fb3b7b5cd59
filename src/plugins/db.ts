import fp from 'fastify-plugin'
import { assertServable } from '../config.js'
import { openDatabase, runMigrations, type DbHandle } from '../db/client.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: DbHandle
  }
}

/** Opens the SQLite database, applies committed migrations, and closes it last on shutdown. */
export default fp(async (fastify) => {
  assertServable(fastify.config)
  const store = openDatabase(fastify.config.databaseFile)
  try {
    runMigrations(store)
  } catch (err) {
    store.close()
    throw err
  }
  fastify.decorate('store', store)
  // Requests still waiting for a group commit were let finish by close; their batch commits first.
  fastify.addHook('onClose', async () => {
    await store.writes.flush()
    store.close()
  })
}, { name: 'db', dependencies: ['config'] })
