import { customType } from 'drizzle-orm/pg-core'
import { parseKept } from '../kept-json.js'

/**
 * A point in time as milliseconds since the epoch in a `bigint`, read back as a `Date`: the same
 * value SQLite keeps in `integer({ mode: 'timestamp_ms' })`, so SQL that adds days as
 * milliseconds (`created_at + n * 86400000`) runs unchanged on both stores (docs/postgres.md).
 * node-postgres hands `bigint` over as a string; every value here fits a double exactly.
 */
export const timestampMs = customType<{ data: Date, driverData: string | number }>({
  dataType: () => 'bigint',
  toDriver: value => value.getTime(),
  fromDriver: value => new Date(Number(value))
})

/** The twin of ../columns.ts `keptJson`: a `jsonb` column, read as text (./client.ts). */
export const keptJsonb = <T>(name: string) => customType<{ data: T, driverData: string }>({
  dataType: () => 'jsonb',
  toDriver: value => JSON.stringify(value),
  fromDriver: value => parseKept<T>(value)
})(name)
