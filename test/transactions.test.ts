import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { openDatabase, type DbHandle, type DbOrTx } from '../src/db/client.js'
import { TripwireError } from '../src/db/tripwire.js'

// Async transactions and group-commit units on SQLite (src/db/client.ts, src/db/group-commit.ts):
// all or nothing, acknowledged only after COMMIT, and the tripwire: a transaction that awaits
// anything but the database is rolled back and refused (src/db/tripwire.ts).

interface Test {
  testdir: () => string
  teardown: (fn: () => unknown) => void
}

function open (t: Test): DbHandle & { file: string } {
  const file = join(t.testdir(), 'puls.db')
  const store = openDatabase(file)
  store.db.run(sql`CREATE TABLE notes (n INTEGER NOT NULL UNIQUE)`)
  t.teardown(() => store.close())
  return { ...store, file }
}

const insert = async (db: DbOrTx, n: number): Promise<void> => {
  await db.run(sql`INSERT INTO notes (n) VALUES (${n})`)
}
const notes = (store: DbHandle): number[] =>
  store.db.all<{ n: number }>(sql`SELECT n FROM notes ORDER BY n`).map(r => r.n)

t.test('an async transaction commits what its function wrote and returns its value', async t => {
  const store = open(t)
  const value = await store.transaction(async tx => {
    await insert(tx, 1)
    await insert(tx, 2)
    return 'done'
  })
  t.equal(value, 'done')
  t.same(notes(store), [1, 2])
})

t.test('an async transaction that throws keeps nothing and rejects with its error', async t => {
  const store = open(t)
  await t.rejects(store.transaction(async tx => {
    await insert(tx, 1)
    throw new Error('refused')
  }), { message: 'refused' })
  await t.rejects(store.transaction(async tx => {
    await insert(tx, 2)
    await insert(tx, 2)
  }), { cause: { code: 'SQLITE_CONSTRAINT_UNIQUE' } }, 'a failed statement rolls back the earlier ones')
  t.same(notes(store), [])
  await store.transaction(async tx => { await insert(tx, 3) })
  t.same(notes(store), [3], 'the connection is usable afterwards')
})

t.test('transactions started together take turns, each all or nothing', async t => {
  const store = open(t)
  const results = await Promise.allSettled([1, 2, 3].map(n => store.transaction(async tx => {
    await insert(tx, n * 10)
    await insert(tx, n * 10 + 1)
    if (n === 2) throw new Error('second refused')
    return n
  })))
  t.same(results.map(r => r.status), ['fulfilled', 'rejected', 'fulfilled'])
  t.same(notes(store), [10, 11, 30, 31], 'the refused one left nothing, the others everything')
})

t.test('tripwire: a transaction that awaits a timer is rolled back and refused', async t => {
  const store = open(t)
  await t.rejects(store.transaction(async tx => {
    await insert(tx, 1)
    await sleep(5)
    await insert(tx, 2)
  }), TripwireError)
  t.same(notes(store), [], 'neither the write before nor the one after the timer was kept')
  await store.transaction(async tx => { await insert(tx, 3) })
  t.same(notes(store), [3], 'the next transaction runs normally')
})

t.test('tripwire: while a tripped function still runs, no query of anyone reaches the database', async t => {
  const store = open(t)
  let release!: () => void
  const held = new Promise<void>(resolve => { release = resolve })
  const tripped = store.transaction(async tx => {
    await insert(tx, 1)
    await held
    await insert(tx, 2)
  })
  await sleep(5)
  const meanwhile = t.throws(() => store.db.run(sql`INSERT INTO notes (n) VALUES (9)`))
  t.ok((meanwhile as Error).cause instanceof TripwireError, 'a write meanwhile is refused')
  release()
  await t.rejects(tripped, TripwireError)
  t.same(notes(store), [], 'nothing of the tripped transaction, nothing written into it by others')
})

t.test('group commit: async units, each in its own savepoint, acknowledged only after COMMIT', async t => {
  const store = open(t)
  const seen: string[] = []
  const unit = (n: number) => async (db: DbOrTx): Promise<number> => {
    await insert(db, n)
    // Inside the batch's transaction: another connection does not see the row yet.
    seen.push(`${n}:${notes(store).includes(n) ? 'mine' : 'missing'}`)
    if (n === 2) throw new Error('unit refused')
    return n
  }
  const acks: string[] = []
  const runs = [1, 2, 3].map(n => store.writes.run(unit(n)).then(
    v => { acks.push(`ok ${v}:${committed().includes(v)}`) },
    (err: Error) => { acks.push(`refused ${err.message}`) }
  ))
  const other = openDatabase(store.file)
  t.teardown(() => other.close())
  const committed = (): number[] => other.db.all<{ n: number }>(sql`SELECT n FROM notes ORDER BY n`).map(r => r.n)
  await Promise.all(runs)
  t.same(seen, ['1:mine', '2:mine', '3:mine'])
  t.same(acks, ['ok 1:true', 'refused unit refused', 'ok 3:true'], 'each acknowledged after its COMMIT, seen by others')
  t.same(notes(store), [1, 3], 'the refused unit rolled back alone')
})

t.test('group commit: a unit that awaits a timer fails its whole batch, nothing kept', async t => {
  const store = open(t)
  const runs = Promise.allSettled([
    store.writes.run(async db => { await insert(db, 1) }),
    store.writes.run(async db => {
      await insert(db, 2)
      await sleep(5)
    }),
    store.writes.run(async db => { await insert(db, 3) })
  ])
  const results = await runs
  t.same(results.map(r => r.status), ['rejected', 'rejected', 'rejected'])
  t.ok(results.every(r => r.status === 'rejected' && r.reason instanceof TripwireError), 'refused by the tripwire')
  t.same(notes(store), [])
  await store.writes.run(async db => { await insert(db, 4) })
  await store.writes.flush()
  t.same(notes(store), [4], 'the next batch commits normally')
})

t.test('flush waits for a batch that is still running', async t => {
  const store = open(t)
  const ran = store.writes.run(async db => { await insert(db, 1) })
  await store.writes.flush()
  t.same(notes(store), [1])
  await ran
})
