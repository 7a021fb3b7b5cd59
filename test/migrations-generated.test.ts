import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// The committed migrations of both stores (docs/postgres.md) are what drizzle-kit makes of the
// tables: nobody changed a tables.ts or tables.pg.ts without `npm run db:generate`, and neither
// folder's snapshots collide (drizzle-kit check).

const root = fileURLToPath(new URL('..', import.meta.url))
const STORES = [
  { dialect: 'sqlite', out: 'db/migrations', config: 'db/drizzle.config.ts', schema: 'tables.ts' },
  {
    dialect: 'postgresql',
    out: 'db/migrations/postgres',
    config: 'db/drizzle.postgres.config.ts',
    schema: 'tables.pg.ts'
  }
] as const

function drizzleKit (args: string[], cwd = root): { status: number | null, output: string } {
  const run = spawnSync(process.execPath, [join(root, 'node_modules/drizzle-kit/bin.cjs'), ...args], {
    cwd, encoding: 'utf8', timeout: 120_000
  })
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

for (const store of STORES) {
  t.test(`${store.dialect}: drizzle-kit check passes on ${store.out}`, async t => {
    const { status, output } = drizzleKit(['check', '--config', store.config])
    t.equal(status, 0, 'drizzle-kit ran', { output })
    t.match(output, /Everything's fine/, 'no collisions', { output })
  })

  t.test(`${store.dialect}: the migrations in ${store.out} hold every change to the tables`, async t => {
    // Generate into a copy: a change without its migration shows up as a new file there.
    const dir = mkdtempSync(join(tmpdir(), 'puls-migrations-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const out = join(dir, 'out')
    // The SQLite folder holds the PostgreSQL one; it is no SQLite migration.
    const nested = join(root, 'db/migrations/postgres')
    const filter = (src: string): boolean => src !== nested || store.dialect !== 'sqlite'
    cpSync(join(root, store.out), out, { recursive: true, filter })
    const config = join(dir, 'drizzle.config.ts')
    writeFileSync(config, `export default ${JSON.stringify({
      dialect: store.dialect,
      schema: [join(root, 'src/*', store.schema), join(root, 'src/results/storage', store.schema)],
      out: './out' // drizzle-kit takes it relative to the working directory
    })}\n`)
    const before = readdirSync(out).sort()
    const { status, output } = drizzleKit(['generate', '--config', config], dir)
    t.equal(status, 0, 'drizzle-kit ran', { output })
    t.same(readdirSync(out).sort(), before, 'no new migration (else: npm run db:generate)', { output })
    t.match(output, /No schema changes/, 'nothing to migrate', { output })
  })
}
