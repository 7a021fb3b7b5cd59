import { connect } from 'node:net'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { build, onlyOn } from './helpers/build.js'
import { startPostgres } from './helpers/postgres.js'
import { get as dbGet } from '../src/db/dialect.js'

/** Resolves once nothing listens on the port any more. */
async function closed (port: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>(resolve => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (!open) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

t.test('healthz and readyz answer ok on a migrated database', async t => {
  const app = await build(t)
  const health = await app.inject({ url: '/healthz' })
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ok' })
})

t.test('readyz answers 503 once the database is gone', async t => {
  const app = await build(t)
  app.store.close()
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.same(ready.json(), { status: 'unavailable' })
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'liveness does not depend on the database')
})

t.test(
  'readyz answers 503 while PostgreSQL is unreachable',
  { skip: onlyOn('postgres', 'stops the PostgreSQL server') },
  async t => {
    // A server of its own, so stopping it leaves the other tests' cluster alone.
    const server = await startPostgres(t)
    const app = await build(t, { env: { DATABASE_URL: server.url } })
    t.equal((await app.inject({ url: '/readyz' })).statusCode, 200, 'ready while the server runs')
    process.kill(server.pid, 'SIGINT')
    await closed(server.port)
    const ready = await app.inject({ url: '/readyz' })
    t.equal(ready.statusCode, 503)
    t.same(ready.json(), { status: 'unavailable' })
    t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'liveness does not depend on the database')
  }
)

t.test(
  'the database runs in WAL mode with foreign keys and a busy timeout',
  { skip: onlyOn('sqlite', 'reads the SQLite file and its pragmas') },
  async t => {
    const { default: Database } = await import('better-sqlite3')
    const app = await build(t)
    const sqlite = new Database(app.config.databaseFile, { readonly: true })
    t.teardown(() => sqlite.close())
    t.equal(sqlite.pragma('journal_mode', { simple: true }), 'wal')
    const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as
      Array<{ name: string }>
    t.ok(tables.some(r => r.name === 'surveys'), 'migrations created the tables')
    // Pragmas are per connection: ask the service's own connection.
    t.same(await dbGet(app.store.db, sql`PRAGMA foreign_keys`), { foreign_keys: 1 })
    const timeout = await dbGet<{ timeout: number }>(app.store.db, sql`PRAGMA busy_timeout`)
    t.ok(timeout !== undefined && timeout.timeout >= 1000, 'busy timeout set')
    t.same(await dbGet(app.store.db, sql`PRAGMA secure_delete`), { secure_delete: 1 }, 'erased data is overwritten')
  }
)
