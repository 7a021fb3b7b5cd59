import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import app, { serverOptions } from './app.js'
import { assertServable, ConfigError, loadConfig } from './config.js'

let config
try {
  config = loadConfig(process.env)
  assertServable(config)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  console.error(err.message)
  process.exit(1)
}

const server = Fastify(serverOptions(config))
await server.register(app, { config })

// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then close the database.
closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err !== undefined) server.log.error({ err }, 'shutting down after an error')
  else server.log.info({ signal }, 'shutting down')
  await server.close()
})

await server.listen({ port: config.port, host: config.host })
