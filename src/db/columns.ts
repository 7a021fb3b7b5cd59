import { customType } from 'drizzle-orm/sqlite-core'
import { parseKept } from './kept-json.js'

/**
 * A JSON text column whose values are parsed once per distinct text and shared, frozen
 * (./kept-json.ts): for JSON that every request reads and few writes change.
 */
export const keptJson = <T>(name: string) => customType<{ data: T, driverData: string }>({
  dataType: () => 'text',
  toDriver: value => JSON.stringify(value),
  fromDriver: value => parseKept<T>(value)
})(name)
