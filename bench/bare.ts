import Fastify from 'fastify'
import type { BenchReply, BenchRequest } from './server.js'

// A bare Fastify app (no plugins, default options) with the same no-op route as bench/server.ts,
// in a process of its own, so that `npm run bench` can put Puls's request floor beside
// Fastify's own in the same run. It answers the parent's `cpu` requests like the service does.

const app = Fastify()
app.get('/bench/noop', async () => ({ ok: true }))
await app.listen({ host: '127.0.0.1', port: 0 })

const send = (reply: BenchReply): void => {
  process.send?.(reply)
}
process.on('message', (message: BenchRequest) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage()
    send({ type: 'cpu', micros: user + system, writtenBytes: 0 })
  }
})
process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
send({ type: 'listening', port: (app.server.address() as { port: number }).port })
