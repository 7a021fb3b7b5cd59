import type { Config } from '../config.js'
import { openDatabase, runMigrations, type DbHandle } from './client.js'
import type { OpenOptions } from './postgres/client.js'
import { servePostgres } from './postgres/store.js'

/**
 * Opens the store the configuration names and applies pending migrations: the SQLite file by
 * default, PostgreSQL when DATABASE_URL is a postgres:// URL (docs/postgres.md).
 */
export async function openStore (
  config: Pick<Config, 'databaseFile' | 'postgres'>, opts: Pick<OpenOptions, 'unsafeSkipDurabilityChecks'> = {}
): Promise<DbHandle> {
  if (config.postgres !== undefined) return await servePostgres(config.postgres, opts)
  const store = openDatabase(config.databaseFile)
  try {
    runMigrations(store)
  } catch (err) {
    void store.close()
    throw err
  }
  return store
}
