import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { asc, count, eq, isNull, sql } from 'drizzle-orm'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import pg from 'pg'
import t, { type Test } from 'tap'
import { startPostgres, type TestPostgres } from './helpers/postgres.js'

// The groundwork for running Puls on PostgreSQL (docs/postgres.md): a throwaway cluster, drizzle's
// PostgreSQL dialect over node-postgres, and the three database behaviours the design leans on:
// transactions with savepoints (group commit), FOR UPDATE SKIP LOCKED (outbox claims) and
// advisory locks (one instance runs a job or the migrations).

const outbox = pgTable('outbox', {
  // Random text keys, never serial: docs/postgres.md (anonymity).
  id: text('id').primaryKey().default(sql`gen_random_uuid()::text`),
  recipient: text('recipient').notNull(),
  sentAt: timestamp('sent_at', { withTimezone: true })
})

const CREATE = sql`CREATE TABLE outbox (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  recipient text NOT NULL,
  sent_at timestamptz
)`

let cluster: TestPostgres | undefined

t.test('a throwaway cluster', async t => {
  cluster = await startPostgres(t)
  t.match(cluster.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/)

  /** A pool of at least two connections, ended before the cluster stops. */
  function pool (t: Test): NodePgDatabase {
    // A statement that waits on a lock fails after 5 s instead of hanging the test.
    const client = new pg.Pool({ connectionString: cluster?.url, max: 4, statement_timeout: 5000 })
    t.teardown(() => client.end())
    return drizzle({ client })
  }

  t.test('a transaction commits whole or not at all, and a savepoint undoes one part', async t => {
    const db = pool(t)
    await db.execute(CREATE)
    const recipients = async (): Promise<string[]> =>
      (await db.select().from(outbox).orderBy(asc(outbox.recipient))).map(row => row.recipient)

    await db.transaction(async tx => {
      await tx.insert(outbox).values([{ recipient: 'a@example.org' }, { recipient: 'b@example.org' }])
    })
    t.same(await recipients(), ['a@example.org', 'b@example.org'])

    await t.rejects(db.transaction(async tx => {
      await tx.insert(outbox).values({ recipient: 'c@example.org' })
      throw new Error('the use case failed')
    }), { message: 'the use case failed' })
    t.same(await recipients(), ['a@example.org', 'b@example.org'], 'a failed transaction leaves nothing')

    // Group commit's shape: one transaction, one savepoint per answer; a failing answer is undone
    // alone and the others commit.
    await db.transaction(async tx => {
      await tx.transaction(async one => { await one.insert(outbox).values({ recipient: 'c@example.org' }) })
      await t.rejects(tx.transaction(async two => {
        await two.insert(outbox).values({ recipient: 'd@example.org' })
        await two.insert(outbox).values({ id: (await two.select().from(outbox).limit(1))[0]?.id, recipient: 'dup' })
      }), { cause: { code: '23505' } }, 'the duplicate key fails this answer alone')
      await tx.transaction(async three => { await three.insert(outbox).values({ recipient: 'e@example.org' }) })
    })
    t.same(await recipients(), ['a@example.org', 'b@example.org', 'c@example.org', 'e@example.org'])

    const ids = await db.select({ id: outbox.id }).from(outbox)
    t.ok(ids.every(row => /^[0-9a-f-]{36}$/.test(row.id)), 'keys are random text')
  })

  t.test('FOR UPDATE SKIP LOCKED: a second connection skips the row the first one claimed', async t => {
    const db = pool(t)
    const claim = (tx: Pick<typeof db, 'select'>): Promise<Array<{ id: string, recipient: string }>> =>
      tx.select({ id: outbox.id, recipient: outbox.recipient }).from(outbox)
        .where(isNull(outbox.sentAt)).orderBy(asc(outbox.recipient)).limit(1)
        .for('update', { skipLocked: true })

    await db.transaction(async first => {
      const mine = await claim(first)
      t.equal(mine[0]?.recipient, 'a@example.org')

      // While the first holds its claim, the second connection gets the next row, not the same one.
      const theirs = await db.transaction(async second => claim(second))
      t.equal(theirs[0]?.recipient, 'b@example.org')

      // Without SKIP LOCKED the second connection would wait for the first to finish.
      await t.rejects(db.transaction(async second => {
        await second.execute(sql`SET LOCAL lock_timeout = '200ms'`)
        await second.select().from(outbox).where(eq(outbox.id, mine[0]?.id ?? '')).for('update')
      }), { cause: { code: '55P03' } }, 'a plain FOR UPDATE waits (lock_not_available)')

      await first.update(outbox).set({ sentAt: sql`now()` }).where(eq(outbox.id, mine[0]?.id ?? ''))
    })

    // Once the first commits its row as sent, nobody claims it again.
    t.equal((await claim(db))[0]?.recipient, 'b@example.org')
    const [unsent] = await db.select({ n: count() }).from(outbox).where(isNull(outbox.sentAt))
    t.equal(unsent?.n, 3)
  })

  t.test('pg_try_advisory_lock: one connection holds a job, the other is refused until it lets go', async t => {
    const connect = async (): Promise<(fn: 'pg_try_advisory_lock' | 'pg_advisory_unlock') => Promise<boolean>> => {
      const client = new pg.Client({ connectionString: cluster?.url })
      await client.connect()
      t.teardown(() => client.end())
      const db = drizzle({ client })
      const key = 4242 // one number per job
      return async fn => {
        const { rows } = await db.execute<{ ok: boolean }>(sql`SELECT ${sql.raw(fn)}(${key}) AS ok`)
        return rows[0]?.ok === true
      }
    }
    const a = await connect()
    const b = await connect()
    t.equal(await a('pg_try_advisory_lock'), true, 'the first instance takes the job')
    t.equal(await b('pg_try_advisory_lock'), false, 'the second instance skips it')
    t.equal(await a('pg_advisory_unlock'), true)
    t.equal(await b('pg_try_advisory_lock'), true, 'once let go, the second instance takes it')
    t.equal(await a('pg_try_advisory_lock'), false)

    // A lock held by a connection that goes away (an instance that crashed) is free again.
    const lockOnce = async (): Promise<boolean> => {
      const client = new pg.Client({ connectionString: cluster?.url })
      await client.connect()
      try {
        return (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(77) AS ok')).rows[0]?.ok === true
      } finally {
        await client.end()
      }
    }
    t.equal(await lockOnce(), true)
    t.equal(await lockOnce(), true, 'the lock went with the connection that held it')
  })
})

t.test('the cluster is gone after teardown: no process, no folder, no port', async t => {
  if (cluster === undefined) return t.fail('the cluster never started')
  const { pid, dir, url } = cluster
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the postmaster has exited')
  t.notOk(existsSync(dir), 'the temporary folder is removed')
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  await t.rejects(client.connect(), { code: 'ECONNREFUSED' })
})

t.test('a test process killed without teardown leaves no server and no folder behind', async t => {
  const helper = new URL('./helpers/postgres.ts', import.meta.url).pathname
  const script = `import { startPostgres } from ${JSON.stringify(helper)}
const cluster = await startPostgres({ setTimeout () {}, teardown () {} })
console.log(JSON.stringify(cluster))
process.kill(process.pid, 'SIGKILL')`
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8', timeout: 60_000
  })
  t.equal(run.signal, 'SIGKILL', run.stderr)
  const { pid, dir } = JSON.parse(run.stdout) as TestPostgres
  // The server stops once it sees its guard's pipe closed: give it a few seconds.
  for (let i = 0; i < 100 && (alive(pid) || existsSync(dir)); i++) await sleep(100)
  t.notOk(alive(pid), 'the orphaned postmaster stopped')
  t.notOk(existsSync(dir), 'its folder is removed')
})

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
