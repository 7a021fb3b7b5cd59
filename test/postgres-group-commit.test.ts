import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import t, { type Test } from 'tap'
import type { PgDb, PgTx } from '../src/db/postgres/client.js'
import { pgGroupCommit } from '../src/db/postgres/group-commit.js'
import { startPostgres } from './helpers/postgres.js'

// The group commit on PostgreSQL (src/db/postgres/group-commit.ts, docs/postgres.md): units that
// arrive together share one transaction, each in a savepoint; none is acknowledged before COMMIT
// returned; a unit that fails (PostgreSQL aborts the whole transaction on any error unless it is
// rolled back to a savepoint) fails alone; a unit cancelled for a deadlock runs again. What holds
// on both stores is tested through the app in test/group-commit.test.ts.

const cluster = await startPostgres(t)
const admin = new pg.Pool({ connectionString: cluster.url, max: 1 })
admin.on('error', () => {})
t.teardown(() => admin.end())

let databases = 0
/** A fresh database with a table `notes`, a group commit on it, and a second connection to look. */
async function setup (t: Test): Promise<{ writes: ReturnType<typeof pgGroupCommit>, other: pg.Pool }> {
  const name = `gc_${++databases}`
  await admin.query(`CREATE DATABASE ${name}`)
  const url = cluster.url.replace(/\/postgres$/, `/${name}`)
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  const other = new pg.Pool({ connectionString: url, max: 2 })
  t.teardown(async () => {
    await pool.end()
    await other.end()
  })
  await pool.query('CREATE TABLE notes (n integer PRIMARY KEY, v integer NOT NULL DEFAULT 0)')
  return { writes: pgGroupCommit(drizzle({ client: pool }) as unknown as PgDb), other }
}

const insert = (tx: PgTx, n: number): Promise<unknown> => tx.execute(sql`INSERT INTO notes (n) VALUES (${n})`)
const seen = async (other: pg.Pool): Promise<number[]> =>
  (await other.query<{ n: number }>('SELECT n FROM notes ORDER BY n')).rows.map(r => r.n)

t.test('units share one transaction, each acknowledged only after COMMIT, seen by others only then', async t => {
  const { writes, other } = await setup(t)
  const inside: string[] = []
  const acks: string[] = []
  let batches = 0
  writes.onBatch = () => { batches++ }
  const runs = [1, 2, 3].map(n => writes.run(async tx => {
    await insert(tx, n)
    // Inside the batch: another connection does not see the row yet.
    inside.push(`${n}:${(await seen(other)).includes(n) ? 'visible' : 'not yet'}`)
    return n
  }).then(async v => { acks.push(`${v}:${(await seen(other)).includes(v) ? 'committed' : 'MISSING'}`) }))
  await Promise.all(runs)
  t.same(inside, ['1:not yet', '2:not yet', '3:not yet'], 'nobody sees a unit before the COMMIT')
  t.same(acks.sort(), ['1:committed', '2:committed', '3:committed'], 'each acknowledged after its COMMIT')
  t.equal(batches, 1, 'one transaction for the three')
})

t.test('a unit that fails (a duplicate key aborts a PostgreSQL transaction) fails alone', async t => {
  const { writes, other } = await setup(t)
  const results = await Promise.allSettled([
    writes.run(async tx => { await insert(tx, 1) }),
    writes.run(async tx => {
      await insert(tx, 2)
      await insert(tx, 1) // 23505: without the savepoint, the whole transaction would be aborted
    }),
    writes.run(async tx => { await insert(tx, 3) })
  ])
  t.same(results.map(r => r.status), ['fulfilled', 'rejected', 'fulfilled'])
  t.match((results[1] as PromiseRejectedResult).reason, { cause: { code: '23505' } }, 'with its own error')
  t.same(await seen(other), [1, 3], 'the failed unit rolled back alone, its first insert too')
  await writes.run(async tx => { await insert(tx, 4) })
  t.same(await seen(other), [1, 3, 4], 'and the next batch works')
})

t.test('a unit cancelled for a deadlock runs again in a new savepoint, and its batch commits', async t => {
  const { writes, other } = await setup(t)
  await other.query('INSERT INTO notes (n) VALUES (1), (2)')
  const rival = await other.connect()
  t.teardown(() => rival.release())
  // The rival holds row 2 and then wants row 1, which the unit holds: a deadlock. The unit checks
  // for one sooner, so PostgreSQL cancels the unit's statement, not the rival's.
  await rival.query("SET deadlock_timeout = '10s'")
  await rival.query('BEGIN')
  await rival.query('UPDATE notes SET v = v + 10 WHERE n = 2')
  let holdsRow1!: () => void
  const locked = new Promise<void>(resolve => { holdsRow1 = resolve })
  let attempts = 0
  const alongside = writes.run(async tx => { await insert(tx, 9) })
  const unit = writes.run(async tx => {
    // Again, it first gives the rival, woken by the cancel, time to take row 1 and commit.
    if (++attempts > 1) await tx.execute(sql`SELECT pg_sleep(0.3)`)
    await tx.execute(sql`SET LOCAL deadlock_timeout = '100ms'`)
    await tx.execute(sql`UPDATE notes SET v = v + 1 WHERE n = 1`)
    holdsRow1()
    await tx.execute(sql`UPDATE notes SET v = v + 1 WHERE n = 2`)
    return attempts
  })
  await locked
  // Waits for the unit's row 1 until PostgreSQL cancels the unit's wait, then commits.
  await rival.query('UPDATE notes SET v = v + 10 WHERE n = 1')
  await rival.query('COMMIT')
  t.equal(await unit, 2, 'acknowledged on its second attempt')
  await alongside
  const rows = (await other.query<{ n: number, v: number }>('SELECT n, v FROM notes ORDER BY n')).rows
  t.same(rows, [{ n: 1, v: 11 }, { n: 2, v: 11 }, { n: 9, v: 0 }], 'both writers counted once, the batch kept')
})

t.test('a COMMIT that fails refuses every unit of the batch, and nothing is kept', async t => {
  const { writes, other } = await setup(t)
  // A deferred unique constraint is checked only at COMMIT.
  await other.query('CREATE TABLE once (k text UNIQUE DEFERRABLE INITIALLY DEFERRED)')
  const results = await Promise.allSettled([
    writes.run(async tx => { await insert(tx, 1) }),
    writes.run(async tx => { await tx.execute(sql`INSERT INTO once VALUES ('a'), ('a')`) })
  ])
  t.same(results.map(r => r.status), ['rejected', 'rejected'], 'no unit acknowledged')
  t.same(await seen(other), [], 'nothing of the batch kept')
})
