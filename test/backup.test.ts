import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { setImmediate as nextTick } from 'node:timers/promises'
import { isNotNull, sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { runCli } from '../src/cli.js'
import { projectRoot } from '../src/paths.js'
import { responses } from '../src/db/schema.js'
import { recordAnswer } from '../src/respondent/answer.js'
import type { NewResponse } from '../src/responses/repository.js'
import { api, build, onlyOn } from './helpers/build.js'
import { get as dbGet } from '../src/db/dialect.js'

type App = Awaited<ReturnType<typeof build>>
const BACKUP_API = onlyOn('sqlite', 'the online backup API copies the SQLite file; PostgreSQL has pg_dump')
const execFileAsync = promisify(execFile)

/** A fresh empty folder, removed when the test ends (t.testdir is one folder per test). */
function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'puls-backup-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function cli (env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  return runCli(args, env, { out: l => out.push(l), err: l => err.push(l) }).then(code => ({ code, out, err }))
}

const answer = (surveyId: string, n: number): NewResponse => ({
  surveyId,
  score: n % 11,
  // The comment makes each answer findable in the backup: ids are random and never returned.
  comment: `answer ${n}`,
  locale: 'en',
  channel: 'link',
  attributes: { team: 'it' },
  answeredAt: new Date('2026-03-02T09:00:00Z')
})

async function createSurvey (app: App, name: string): Promise<string> {
  const res = await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: { name, kind: 'relationship', team: 'hr' }
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json().id
}

/**
 * Keeps the app writing (a survey every 20 answers, one committed transaction per answer and turn
 * of the event loop, bounded in count) while `runBackup` copies the database; then restores the
 * backup into a fresh data folder as README says and checks that everything committed before the
 * backup started is there.
 */
async function backupUnderLoad (t: Test, runBackup: (app: App, file: string) => Promise<void>): Promise<void> {
  const app = await build(t)
  const surveyIds = [await createSurvey(app, 'seed')]
  // A few thousand answers first, so the copy spans hundreds of pages.
  await app.store.transaction(async tx => {
    for (let n = 0; n < 3000; n++) await recordAnswer(tx, answer(surveyIds[0]!, n))
  })
  // Shared with the writer below, which runs between the awaits of this function.
  const load = { written: 3000, stop: false }
  const writer = (async () => {
    while (!load.stop && load.written < 20_000) {
      const n = load.written
      if (n % 20 === 0) surveyIds.push(await createSurvey(app, `survey ${n}`))
      await app.store.transaction(tx => recordAnswer(tx, answer(surveyIds[0]!, n)))
      load.written++
      await nextTick()
    }
  })()
  while (load.written < 3100) await nextTick()

  const file = join(tempDir(t), 'puls-backup.db')
  const answersBefore = load.written
  const surveysBefore = [...surveyIds]
  try {
    await runBackup(app, file)
  } finally {
    load.stop = true
    await writer
  }
  const answersDuring = load.written - answersBefore
  t.ok(answersDuring > 0, `the service kept writing during the backup (${answersDuring} answers)`)
  t.same(readdirSync(join(file, '..')), ['puls-backup.db'], 'no temporary file is left beside the backup')

  // Restore as README says: the backup becomes puls.db of a data folder, and the service starts on it.
  const dataDir = tempDir(t)
  copyFileSync(file, join(dataDir, 'puls.db'))
  const restored = await build(t, { dataDir })
  t.same(await dbGet(restored.store.db, sql`PRAGMA integrity_check`), { integrity_check: 'ok' })
  t.equal((await restored.inject({ url: '/readyz' })).statusCode, 200)

  const comments = new Set(
    restored.store.db
      .select({ comment: responses.comment })
      .from(responses)
      .where(isNotNull(responses.comment))
      .all()
      .map(r => r.comment)
  )
  const missing = Array.from({ length: answersBefore }, (_, n) => `answer ${n}`).filter(c => !comments.has(c))
  t.same(missing, [], `all ${answersBefore} answers committed before the backup are in it`)
  t.ok(comments.size <= load.written, 'and nothing that was never written')
  const surveysMissing = []
  for (const id of surveysBefore) {
    if ((await api(restored, { url: `/v1/surveys/${id}` })).statusCode !== 200) surveysMissing.push(id)
  }
  t.same(surveysMissing, [], `all ${surveysBefore.length} surveys created before the backup are in it`)

  // The restored service takes new answers.
  await restored.store.transaction(tx => recordAnswer(tx, answer(surveysBefore[0]!, -1)))
  t.ok(await dbGet(restored.store.db, sql`SELECT 1 AS ok FROM responses WHERE comment = 'answer -1'`))
}

t.test('a backup taken under load restores every answer committed before it started', { skip: BACKUP_API }, async t => {
  await backupUnderLoad(t, async (app, file) => {
    const backup = await cli({ PULS_DATA_DIR: app.dataDir }, 'backup', file)
    t.equal(backup.code, 0, backup.err.join('\n'))
    t.match(backup.out.join('\n'), /^backed up .*puls\.db to .*puls-backup\.db \(\d+ pages, [\d.]+ MiB\)$/)
  })
})

// As in production, the CLI is another process: the service's writes go on while the copy runs,
// not only between its steps.
t.test('the backup command as its own process, beside a writing service', { skip: BACKUP_API }, async t => {
  await backupUnderLoad(t, async (app, file) => {
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', join(projectRoot, 'src', 'cli.ts'), 'backup', file],
      {
        cwd: projectRoot,
        env: { PATH: process.env.PATH, PULS_DATA_DIR: app.dataDir },
        timeout: 60_000
      }
    )
    t.match(stdout, /^backed up /)
  })
})

t.test(
  'backup refuses to overwrite a file unless --force, and never writes over the database',
  { skip: BACKUP_API },
  async t => {
    const app = await build(t)
    const env = { PULS_DATA_DIR: app.dataDir }
    const id = await createSurvey(app, 'kept')
    const dir = tempDir(t)
    const file = join(dir, 'old.db')
    writeFileSync(file, 'an older backup')

    const refused = await cli(env, 'backup', file)
    t.equal(refused.code, 1)
    t.match(refused.err.join('\n'), /exists; pass --force to replace it/)
    t.equal(statSync(file).size, 'an older backup'.length, 'the existing file is untouched')

    const forced = await cli(env, 'backup', file, '--force')
    t.equal(forced.code, 0, forced.err.join('\n'))
    const restoreDir = tempDir(t)
    copyFileSync(file, join(restoreDir, 'puls.db'))
    const restored = await build(t, { dataDir: restoreDir })
    const found = (await api(restored, { url: `/v1/surveys/${id}` })).statusCode
    t.equal(found, 200, '--force replaced it with a real backup')

    const self = await cli(env, 'backup', app.config.databaseFile, '--force')
    t.equal(self.code, 1)
    t.match(self.err.join('\n'), /cannot be the database itself/)
    t.equal((await api(app, { url: `/v1/surveys/${id}` })).statusCode, 200, 'the service still works')

    const noFolder = await cli(env, 'backup', join(dir, 'missing', 'x.db'))
    t.equal(noFolder.code, 1)
    t.match(noFolder.err.join('\n'), /folder .*missing not found/)

    const usage = await cli(env, 'backup')
    t.equal(usage.code, 2)
    t.match(usage.err.join('\n'), /backup <file>/)
  }
)

t.test('backup of a data folder without a database says so and creates nothing', async t => {
  const empty = tempDir(t)
  const target = join(tempDir(t), 'b.db')
  const res = await cli({ PULS_DATA_DIR: empty }, 'backup', target)
  t.equal(res.code, 1)
  t.match(res.err.join('\n'), /database .*puls\.db not found/)
  t.notOk(existsSync(target))
  t.same(readdirSync(empty), [], 'no database was created by asking for a backup')
})

t.test('backup on PostgreSQL points at pg_dump and point-in-time recovery, and touches nothing', async t => {
  const data = tempDir(t)
  const target = join(tempDir(t), 'b.db')
  // Nothing listens there: the command must answer without connecting.
  const url = 'postgres://puls:s3cret@127.0.0.1:1/puls'
  const res = await cli({ PULS_DATA_DIR: data, DATABASE_URL: url }, 'backup', target)
  t.equal(res.code, 1)
  t.match(res.err.join('\n'), /^backup copies a SQLite database; DATABASE_URL names PostgreSQL: back it up with/)
  t.match(res.err.join('\n'), /pg_dump, or with continuous archiving for point-in-time recovery/)
  t.notMatch(res.err.join('\n'), /s3cret/)
  t.notOk(existsSync(target))
  t.same(readdirSync(data), [], 'no SQLite database was created either')
})

t.test('a failed copy leaves no partial file behind', async t => {
  const dataDir = tempDir(t)
  writeFileSync(join(dataDir, 'puls.db'), 'this is not a SQLite database, but long enough to have a header. '.repeat(4))
  const dir = tempDir(t)
  await t.rejects(cli({ PULS_DATA_DIR: dataDir }, 'backup', join(dir, 'b.db')), /not a database/)
  t.same(readdirSync(dir), [])
})
