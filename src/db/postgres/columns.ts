import { customType } from 'drizzle-orm/pg-core'

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
