import { fileURLToPath } from 'node:url'

// src/*.ts and dist/*.js sit at the same depth, so one relative URL serves both.
export const projectRoot = fileURLToPath(new URL('..', import.meta.url))
export const migrationsDir = fileURLToPath(new URL('../db/migrations', import.meta.url))
export const templatesDir = fileURLToPath(new URL('../templates', import.meta.url))
/** The PostgreSQL store's migrations, generated beside the SQLite ones (docs/postgres.md). */
export const postgresMigrationsDir = fileURLToPath(new URL('../db/migrations/postgres', import.meta.url))
