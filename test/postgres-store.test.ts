import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import t, { type Test } from 'tap'
import { loadConfig, type PostgresConfig } from '../src/config.js'
import { inCopyOrder } from '../src/db/copy.js'
import { committed, migratePostgres } from '../src/db/postgres/migrate.js'
import { createPool, openPostgres, serverProblem, type PostgresStore } from '../src/db/postgres/client.js'
import { build } from './helpers/build.js'
import { startPostgres } from './helpers/postgres.js'

// The PostgreSQL store (docs/postgres.md) on a throwaway cluster: configuration from DATABASE_URL,
// migrations under a lock, the start-up checks, readiness, jobs that run on one instance only.

const cluster = await startPostgres(t)
const admin = new pg.Pool({ connectionString: cluster.url, max: 2 })
admin.on('error', () => {}) // idle connections end when the cluster stops at teardown
t.teardown(() => admin.end())

let databases = 0
/** A new, empty database on the cluster, as the configuration a DATABASE_URL gives. */
async function freshDatabase (query = ''): Promise<PostgresConfig> {
  const name = `puls_${++databases}`
  await admin.query(`CREATE DATABASE ${name}`)
  const config = loadConfig({ DATABASE_URL: cluster.url.replace(/\/postgres$/, `/${name}${query}`) }).postgres
  if (config === undefined) throw new Error('DATABASE_URL was not read as PostgreSQL')
  return config
}

// The test cluster runs without fsync (test/helpers/postgres.ts); these tests check everything else.
const TEST_CLUSTER = { unsafeSkipDurabilityChecks: true }

async function open (t: Tap, config: PostgresConfig): Promise<PostgresStore> {
  const store = await openPostgres(config, TEST_CLUSTER)
  t.teardown(() => store.close())
  return store
}
type Tap = Pick<Test, 'teardown'>

t.test('DATABASE_URL: postgres:// and postgresql://, with sslmode and a pool size', async t => {
  const config = await freshDatabase('?sslmode=disable')
  t.match(config.url, /^postgres:\/\/.*\?sslmode=disable$/)
  t.equal(config.poolSize, 10, 'ten connections by default')
  const store = await open(t, { ...config, url: config.url.replace(/^postgres:/, 'postgresql:'), poolSize: 3 })
  t.equal(store.pool.options.max, 3)
  t.equal(await store.ready(), true, 'connected without TLS, as sslmode=disable asks')
  // The test server has no TLS: asking for it must fail rather than fall back to plain text.
  const tls = { ...config, url: config.url.replace('sslmode=disable', 'sslmode=verify-full') }
  await t.rejects(openPostgres(tls, TEST_CLUSTER), /does not support SSL/)
})

t.test('the app serves on PostgreSQL: ready once its migrations are applied', async t => {
  const { url } = await freshDatabase()
  const app = await build(t, { env: { DATABASE_URL: url } })
  t.equal(app.store.kind, 'postgres')
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200, ready.body)
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  t.teardown(() => pool.end())
  const tables = await pool.query("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'")
  t.ok(Number(tables.rows[0].n) > 10, 'the tables were made at start-up')
})

t.test('two instances starting together migrate once', async t => {
  const config = await freshDatabase()
  const pools = [createPool(config), createPool(config)]
  t.teardown(() => Promise.all(pools.map(p => p.end())))
  const applied = await Promise.all(pools.map(p => migratePostgres(p)))
  t.same([...applied].sort(), [0, committed()], 'one applied every migration, the other found nothing to do')
  const { rows } = await admin.query('SELECT 1')
  t.equal(rows.length, 1)
  const one = pools[0]!
  const tables = await one.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'")
  t.equal(Number(tables.rows[0]?.n), inCopyOrder().length, 'every table exists')
  t.equal(Number((await one.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')).rows[0].n), committed())
  t.same((await one.query('SELECT sequencename FROM pg_sequences')).rows, [],
    'no sequence anywhere, not even for the migrations table')
  t.equal(await migratePostgres(one), 0, 'a restart applies nothing')
})

t.test('the audit trail is append-only on PostgreSQL too', async t => {
  const store = await open(t, await freshDatabase())
  await store.pool.query(`INSERT INTO audit_events (hour, id, actor, actor_kind, action)
    VALUES ('2026-01-01T10', 'a', 'cli', 'cli', 'key.create')`)
  await t.rejects(store.pool.query("UPDATE audit_events SET actor = 'someone else'"), /append-only/)
})

t.test('readiness: the database answers and has every migration', async t => {
  const config = await freshDatabase()
  const store = await openPostgres(config, TEST_CLUSTER)
  t.equal(await store.ready(), true)
  await store.pool.query('DELETE FROM drizzle.__drizzle_migrations')
  t.equal(await store.ready(), false, 'a migration missing')
  await store.close()
  t.equal(await store.ready(), false, 'no connection')
})

t.test('start-up checks refuse a server that loses acknowledged answers, in one line', async t => {
  const config = await freshDatabase()
  // The test cluster runs with fsync, synchronous_commit and full_page_writes off.
  const err = await openPostgres(config).then(() => undefined, (e: Error) => e)
  t.match(err?.message, /^refusing PostgreSQL with fsync = off: an acknowledged answer could be lost/)
  t.notMatch(err?.message, /\n/)
  // A backend leaves pg_stat_activity a moment after its client hung up.
  const name = new URL(config.url).pathname.slice(1)
  const connected = async (): Promise<number> =>
    Number((await admin.query('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [name])).rows[0].n)
  for (let i = 0; i < 50 && await connected() > 0; i++) await sleep(50)
  t.equal(await connected(), 0, 'the refused store closed its connections')

  const durable = {
    server_version_num: '150004',
    fsync: 'on',
    synchronous_commit: 'on',
    full_page_writes: 'on',
    track_commit_timestamp: 'off'
  }
  t.equal(serverProblem(durable), undefined)
  t.equal(serverProblem({ ...durable, synchronous_commit: 'remote_apply' }), undefined)
  t.match(serverProblem({ ...durable, synchronous_commit: 'off' }), /synchronous_commit = off/)
  t.match(serverProblem({ ...durable, full_page_writes: 'off' }), /full_page_writes = off/)
  t.match(serverProblem({ ...durable, track_commit_timestamp: 'on' }),
    /^refusing PostgreSQL with track_commit_timestamp = on: it records when each answer was written/)
  t.match(serverProblem({ ...durable, server_version_num: '130011' }), /PostgreSQL 13 is too old/)
})

t.test('a job runs on one instance at a time; the others skip it', async t => {
  const config = await freshDatabase()
  const [a, b] = [await open(t, config), await open(t, config)]
  let release!: () => void
  const held = new Promise<void>(resolve => { release = resolve })
  let runs = 0
  const job = async (): Promise<string> => { runs++; await held; return 'swept' }

  const first = a.exclusive('sweep', job)
  await sleep(50)
  const second = await b.exclusive('sweep', job)
  t.same(second, { ran: false }, 'the second instance skips the sweep while the first runs it')
  t.same(await b.exclusive('retention', async () => 'purged'), { ran: true, value: 'purged' },
    'another job is not held by it')
  release()
  t.same(await first, { ran: true, value: 'swept' })
  t.equal(runs, 1)
  t.same(await b.exclusive('sweep', async () => 'swept again'), { ran: true, value: 'swept again' },
    'once done, the next period runs on whichever instance comes first')

  // Two at the same moment: exactly one runs.
  const both = await Promise.all([
    a.exclusive('reminders', () => sleep(200, 'a')),
    b.exclusive('reminders', () => sleep(200, 'b'))
  ])
  t.equal(both.filter(r => r.ran).length, 1, `one ran: ${JSON.stringify(both)}`)
})

t.test('an instance that dies while it runs a job gives the job up', async t => {
  const config = await freshDatabase()
  const [a, b] = [await open(t, config), await open(t, config)]
  const stop = new AbortController()
  t.teardown(() => stop.abort())
  const started = new Promise<void>(resolve => {
    a.exclusive('sweep', async () => {
      resolve()
      await sleep(60_000, undefined, { signal: stop.signal })
    }).catch(() => {})
  })
  await started
  t.same(await b.exclusive('sweep', async () => 'b'), { ran: false })
  // The holder's connection goes away, as when its process is killed.
  await admin.query(`SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
    WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1`, [new URL(config.url).pathname.slice(1)])
  let result = await b.exclusive('sweep', async () => 'b')
  for (let i = 0; i < 20 && !result.ran; i++) {
    await sleep(100)
    result = await b.exclusive('sweep', async () => 'b')
  }
  t.same(result, { ran: true, value: 'b' })
})

t.test('write transactions take turns: of five that read a counter and write it back, none is lost', async t => {
  const store = await open(t, await freshDatabase())
  await store.pool.query("INSERT INTO settings (key, value) VALUES ('n', '0')")
  // Each waits between its read and its write; without the writers' turn (READ COMMITTED) they
  // would all read 0 and write 1.
  const increment = (): Promise<void> => store.transaction(async tx => {
    const { rows } = await tx.execute<{ value: string }>("SELECT value FROM settings WHERE key = 'n'")
    await sleep(20)
    await tx.execute(`UPDATE settings SET value = '${Number(rows[0]?.value) + 1}' WHERE key = 'n'`)
  })
  await Promise.all(Array.from({ length: 5 }, increment))
  const { rows } = await store.pool.query("SELECT value FROM settings WHERE key = 'n'")
  t.equal(rows[0].value, '5', 'no increment lost')
})
