// Every table, for the typed drizzle client. Each domain keeps its tables beside its code.
export * from '../settings/tables.js'
export * from '../auth/tables.js'
export * from '../surveys/tables.js'
export * from '../responses/tables.js'
export * from '../invitations/tables.js'
export * from '../mail/tables.js'
export * from '../collectors/tables.js'
export * from '../results/storage/tables.js'
