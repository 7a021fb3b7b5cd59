import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import type pg from 'pg'
import { postgresMigrationsDir } from '../../paths.js'
import { LOCK_SPACE, MIGRATIONS_LOCK } from './locks.js'

/** Where drizzle records applied migrations. */
const TABLE = sql`drizzle.__drizzle_migrations`

/**
 * Applies the committed PostgreSQL migrations on one connection that holds the migrations lock
 * (docs/postgres.md): instances starting together wait for the first, then find nothing to do.
 * All pending migrations run in one transaction. Returns how many this call applied.
 */
export async function migratePostgres (pool: pg.Pool, folder = postgresMigrationsDir): Promise<number> {
  const client = await pool.connect()
  let unlock = false
  // A dropped connection fails the query that runs on it; without a listener it would crash.
  const lost = (): void => {}
  client.on('error', lost)
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_SPACE, MIGRATIONS_LOCK])
    unlock = true
    const db = drizzle({ client })
    // drizzle would create its table with a serial id; a random one keeps the database free of
    // sequences, so a test can say no table orders its rows by one (docs/postgres.md, anonymity).
    await db.execute(sql`CREATE SCHEMA IF NOT EXISTS drizzle`)
    await db.execute(sql`CREATE TABLE IF NOT EXISTS ${TABLE} (
      id text PRIMARY KEY DEFAULT gen_random_uuid()::text, hash text NOT NULL, created_at bigint)`)
    const before = await applied(client)
    await migrate(db, { migrationsFolder: folder })
    return (await applied(client)) - before
  } finally {
    try {
      if (unlock) await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, MIGRATIONS_LOCK])
    } finally {
      client.off('error', lost)
      client.release()
    }
  }
}

/** How many migrations the database has applied (0 before the first). */
export async function applied (client: pg.Pool | pg.PoolClient): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('drizzle.__drizzle_migrations') AS t")
  if (exists.rows[0]?.t === null) return 0
  const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')
  return Number(rows[0]?.n ?? 0)
}

/** How many migrations the code carries. */
export function committed (folder = postgresMigrationsDir): number {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
  return journal.entries.length
}
