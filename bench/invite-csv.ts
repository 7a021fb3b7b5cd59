import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config.js'
import { openDatabase, runMigrations } from '../src/db/client.js'
import { projectRoot } from '../src/paths.js'
import { createSurvey } from '../src/surveys/service.js'

// `npm run bench:invite [rows]`: the bulk invitation command on a generated file (default 100,000
// rows), run as an operator runs it (the built CLI, `node dist/cli.js invite …`, in its own
// process), so the time and peak memory printed are the command's own. GNU time's maximum
// resident set size is printed beside the command's own figure as a check.

const ROWS = Number(process.argv[2] ?? 100_000)
const dataDir = mkdtempSync(join(tmpdir(), 'puls-bench-invite-'))
const env = { PATH: process.env.PATH, PULS_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }
try {
  const store = openDatabase(loadConfig(env).databaseFile)
  runMigrations(store)
  const survey = await createSurvey(
    store.db,
    { name: 'bench', kind: 'relationship', team: 'hr', default_locale: 'en' },
    new Date()
  )
  store.close()

  const file = join(dataDir, 'people.csv')
  const out = createWriteStream(file)
  out.write('email,locale,site,department,grade\n')
  const locales = ['en', 'de', 'nb', '']
  for (let i = 0; i < ROWS; i++) {
    // One row in 1,000 is invalid, so the report of skipped rows is part of the run.
    const email = i % 1000 === 999 ? `person${i}.example.com` : `person${i}@example.com`
    if (!out.write(`${email},${locales[i % 4]},site-${i % 40},dept-${i % 25},g${i % 9}\n`)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  console.log(
    `${ROWS} rows, ${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB: ` +
      `node dist/cli.js invite --survey ${survey.id} people.csv`
  )

  const run = spawnSync(
    '/usr/bin/time',
    ['-f', 'GNU time: max RSS %M KiB, %e s', process.execPath, 'dist/cli.js', 'invite', '--survey', survey.id, file],
    {
      cwd: projectRoot,
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024
    }
  )
  const skipped = run.stderr.split('\n').filter(l => l.startsWith('line ')).length
  console.log(
    run.stdout
      .split('\n')
      .filter(l => !l.startsWith('…'))
      .join('\n')
      .trimEnd()
  )
  console.log(`(${skipped} invalid rows reported on stderr)`)
  console.log(
    run.stderr
      .split('\n')
      .filter(l => l.startsWith('GNU time'))
      .join('\n')
  )
  if (run.status !== 0) throw new Error(`invite exited ${run.status}: ${run.stderr.slice(-2000)}`)
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
