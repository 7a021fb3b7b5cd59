import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults follow README, Configuration', async t => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.publicUrl, 'http://localhost:3000')
  t.equal(config.databaseFile, resolve('data', 'puls.db'))
  t.equal(config.mailDir, resolve('data', 'mail'))
  t.equal(config.smtpUrl, undefined)
  t.equal(config.secret, undefined)
})

t.test('PUBLIC_URL follows PORT by default and loses a trailing slash', async t => {
  t.equal(loadConfig({ PORT: '8080' }).publicUrl, 'http://localhost:8080')
  t.equal(loadConfig({ PUBLIC_URL: 'https://puls.example.com/' }).publicUrl, 'https://puls.example.com')
})

t.test('DATABASE_URL takes a file: URL or a path, and refuses postgres for now', async t => {
  t.equal(loadConfig({ DATABASE_URL: 'file:/tmp/x/puls.db' }).databaseFile, '/tmp/x/puls.db')
  t.equal(loadConfig({ DATABASE_URL: './other.db' }).databaseFile, resolve('other.db'))
  t.throws(() => loadConfig({ DATABASE_URL: 'postgres://db/puls' }), /DATABASE_URL: postgres:\/\/ is planned/)
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://db/puls' }), /DATABASE_URL: unsupported scheme/)
})

t.test('every bad variable is named in one error', async t => {
  const err = t.throws(() =>
    loadConfig({ PORT: 'eighty', SMTP_URL: 'http://mail', PULS_SECRET: 'short', LOG_LEVEL: 'loud' })
  ) as ConfigError
  t.type(err, ConfigError)
  const named = err.problems.map(p => p.split(':')[0]).sort()
  t.same(named, ['LOG_LEVEL', 'PORT', 'PULS_SECRET', 'SMTP_URL'])
})

t.test('empty variables count as unset', async t => {
  t.equal(loadConfig({ PORT: '', SMTP_URL: '' }).port, 3000)
})

t.test('the server refuses to start on a bad config and says which variable', async t => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH, PORT: '99999', PULS_DATA_DIR: t.testdir() },
    encoding: 'utf8',
    timeout: 60_000
  })
  t.equal(result.status, 1)
  t.match(result.stderr, /Invalid configuration:\n\s+- PORT: /)
})

t.test('SWEEP_INTERVAL_SECONDS: five minutes by default, 0 turns the sweep off, fractions allowed', async t => {
  t.equal(loadConfig({}).sweepIntervalMs, 300_000)
  t.equal(loadConfig({ SWEEP_INTERVAL_SECONDS: '0' }).sweepIntervalMs, 0)
  t.equal(loadConfig({ SWEEP_INTERVAL_SECONDS: '0.5' }).sweepIntervalMs, 500)
  t.throws(() => loadConfig({ SWEEP_INTERVAL_SECONDS: '-1' }), /SWEEP_INTERVAL_SECONDS: /)
  t.throws(() => loadConfig({ SWEEP_INTERVAL_SECONDS: 'often' }), /SWEEP_INTERVAL_SECONDS: /)
})
