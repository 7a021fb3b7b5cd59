import type { PostgresConfig } from '../../config.js'
import type { Db, DbHandle, DbOrTx, Tx } from '../client.js'
import type { GroupCommit } from '../group-commit.js'
import { openPostgres, type OpenOptions } from './client.js'
import { pgGroupCommit } from './group-commit.js'

/**
 * The service's store on PostgreSQL: the same interface as the SQLite file's (src/db/client.ts).
 * Its drizzle handle is typed as the SQLite one, which repositories are written against; they
 * take their tables from the handle (src/db/dialect.ts), and test/store-types.test.ts asserts
 * that both stores' rows are equal, so the cast hides no different row shape.
 */
export async function servePostgres (config: PostgresConfig, opts: OpenOptions = {}): Promise<DbHandle> {
  const store = await openPostgres(config, opts)
  const writes = pgGroupCommit(store.db)
  return {
    kind: 'postgres',
    db: store.db as unknown as Db,
    transaction: fn => store.transaction(tx => fn(tx as unknown as Tx)),
    writes: writes as unknown as GroupCommit<DbOrTx>,
    exclusive: store.exclusive,
    ready: store.ready,
    close: store.close
  }
}
