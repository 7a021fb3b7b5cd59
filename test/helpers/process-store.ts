import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { newTestDatabase, TEST_STORE } from './build.js'

// The database of a real server process (test/helpers/server-process.ts), for the tests that kill
// or stop it and then read what it kept: the SQLite file of its data folder, or on PostgreSQL
// (PULS_TEST_STORE=postgres) a fresh database on a durable cluster (fsync and synchronous commit
// on, as the service requires), one cluster per test file.

export interface ProcessStore {
  /** Environment for startServer: DATABASE_URL on PostgreSQL, nothing on SQLite. */
  env: Record<string, string>
  /** Rows of a query written in SQL both stores read alike. */
  query: <T = Record<string, unknown>>(text: string) => Promise<T[]>
  /** count(*) of a query's rows (`SELECT count(*) AS n …`), as a number on both stores. */
  count: (text: string) => Promise<number>
  /** SQLite's integrity check; on PostgreSQL a query that must succeed (the cluster recovered). */
  intact: () => Promise<boolean>
}

interface Tap { teardown: (fn: () => unknown) => void }

export async function processStore (t: Tap, dataDir: string): Promise<ProcessStore> {
  if (TEST_STORE === 'sqlite') {
    const open = <T>(read: (db: Database.Database) => T): T => {
      const db = new Database(join(dataDir, 'puls.db'), { readonly: true })
      try {
        return read(db)
      } finally {
        db.close()
      }
    }
    return {
      env: {},
      query: async text => open(db => db.prepare(text).all() as any[]),
      count: async text => open(db => Number((db.prepare(text).get() as { n: number }).n)),
      intact: async () => open(db => db.pragma('integrity_check', { simple: true }) === 'ok')
    }
  }
  const database = await newTestDatabase({ durable: true })
  const pool = new pg.Pool({ connectionString: database, max: 1 })
  t.teardown(() => pool.end())
  const query = async <T>(text: string): Promise<T[]> => (await pool.query(text)).rows as T[]
  return {
    env: { DATABASE_URL: database },
    query,
    count: async text => Number((await query<{ n: string }>(text))[0]!.n),
    intact: async () => (await query('SELECT 1 AS one')).length === 1
  }
}
