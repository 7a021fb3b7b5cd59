import { defineConfig } from 'drizzle-kit'

// Tables live beside their domain (src/<domain>/tables.ts, the results' in src/results/storage/);
// migrations are generated here, reviewed and committed, and never edited once they have landed.
export default defineConfig({
  dialect: 'sqlite',
  schema: ['./src/*/tables.ts', './src/results/storage/tables.ts'],
  out: './db/migrations'
})
