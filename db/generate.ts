import { spawnSync } from 'node:child_process'

// `npm run db:generate -- --name what_it_does`: one migration per store from the same change to the
// tables (docs/postgres.md), with the same name, so the two folders stay in step.
const CONFIGS = ['db/drizzle.config.ts', 'db/drizzle.postgres.config.ts']

for (const config of CONFIGS) {
  const run = spawnSync('npx', ['drizzle-kit', 'generate', '--config', config, ...process.argv.slice(2)], {
    stdio: 'inherit'
  })
  if (run.status !== 0) process.exit(run.status ?? 1)
}
