import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import app, { serverOptions } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { StoreRefusedError } from './db/postgres/client.js'

let config
try {
  config = loadConfig(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  console.error(err.message)
  process.exit(1)
}

const server = Fastify(serverOptions(config))
try {
  await server.register(app, { config })
  await server.ready()
} catch (err) {
  // A database the service cannot use is the operator's to fix: one line, no stack.
  if (!(err instanceof StoreRefusedError)) throw err
  console.error(`DATABASE_URL: ${err.message}`)
  process.exit(1)
}

// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then close the database.
closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err !== undefined) server.log.error({ err }, 'shutting down after an error')
  else server.log.info({ signal }, 'shutting down')
  await server.close()
})

await server.listen({ port: config.port, host: config.host })
