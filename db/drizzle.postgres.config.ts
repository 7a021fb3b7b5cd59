import { defineConfig } from 'drizzle-kit'

// The PostgreSQL twins of the tables (src/<domain>/tables.pg.ts, docs/postgres.md); its migrations
// are generated beside the SQLite ones (db/drizzle.config.ts), reviewed, committed, never edited
// once landed. `npm run db:generate` runs both configs.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/*/tables.pg.ts', './src/results/storage/tables.pg.ts'],
  out: './db/migrations/postgres'
})
