import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { backupDatabase } from '../src/db/backup.js'
import { build, TEST_STORE } from './helpers/build.js'
import { createSurvey, invite } from './helpers/puls.js'

// A finding of a security probe: the database, its backups and the mail written to files were
// readable by every user of the machine. They hold addresses and answers (docs/anonymity.md).

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8)

t.test('the data folder is 0700; database, WAL, backups and .eml files are 0600', async t => {
  const parent = mkdtempSync(join(tmpdir(), 'puls-modes-'))
  t.teardown(() => rmSync(parent, { recursive: true, force: true }))
  const dataDir = join(parent, 'data')
  const app = await build(t, { env: { PULS_DATA_DIR: dataDir } })
  const survey = await createSurvey(app)
  t.equal((await invite(app, survey.id, { email: 'kari@example.com', case_ref: 'INC-1' })).statusCode, 201)
  await app.outbox.flush()

  t.equal(mode(dataDir), '700', 'data folder')
  t.equal(mode(app.config.mailDir), '700', 'mail folder')
  const mails = readdirSync(app.config.mailDir)
  t.equal(mails.length, 1)
  t.equal(mode(join(app.config.mailDir, mails[0]!)), '600', '.eml file')

  // The SQLite file and its backups; PostgreSQL keeps its files in its own data directory.
  if (TEST_STORE !== 'sqlite') return
  for (const file of ['puls.db', 'puls.db-wal', 'puls.db-shm']) t.equal(mode(join(dataDir, file)), '600', file)
  const backup = await backupDatabase(app.config.databaseFile, join(parent, 'backup.db'), { overwrite: false })
  t.equal(mode(backup.file), '600', 'backup')
})
