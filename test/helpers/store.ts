import { join } from 'node:path'
import type { Config } from '../../src/config.js'
import type { DbHandle } from '../../src/db/client.js'
import { openStore } from '../../src/db/store.js'
import { newTestDatabase, TEST_STORE } from './build.js'

// A bare store (no app) on the store the tests run on (TEST_STORE, test/helpers/build.ts): for
// tests of one part below the routes, e.g. the outbox worker. Several handles opened on one
// database are several instances of the service on it (docs/postgres.md, "Several instances").

export type StoreConfig = Pick<Config, 'databaseFile' | 'postgres'>

interface Tap {
  teardown: (fn: () => unknown) => void
}

/** A new, empty database: a SQLite file in `dir`, or a fresh database on this file's cluster. */
export async function testDatabase (dir: string): Promise<StoreConfig> {
  if (TEST_STORE === 'sqlite') return { databaseFile: join(dir, 'puls.db'), postgres: undefined }
  return { databaseFile: ':memory:', postgres: { url: await newTestDatabase(), poolSize: 4 } }
}

/**
 * Opens the store `config` names (an app's `config` reopens its database) and applies pending
 * migrations; closed when `t` ends.
 */
export async function openTestStore (t: Tap, config: StoreConfig): Promise<DbHandle> {
  // Test clusters run without fsync (test/helpers/postgres.ts); the start-up check would refuse them.
  const store = await openStore(config, { unsafeSkipDurabilityChecks: config.postgres !== undefined })
  t.teardown(() => store.close())
  return store
}
