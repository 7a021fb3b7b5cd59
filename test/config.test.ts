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

t.test('DATABASE_URL takes a file: URL or a path', async t => {
  t.equal(loadConfig({ DATABASE_URL: 'file:/tmp/x/puls.db' }).databaseFile, '/tmp/x/puls.db')
  t.equal(loadConfig({ DATABASE_URL: './other.db' }).databaseFile, resolve('other.db'))
  t.equal(loadConfig({}).postgres, undefined)
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://db/puls' }), /DATABASE_URL: unsupported scheme/)
})

t.test('DATABASE_URL takes postgres:// and postgresql:// with sslmode; DATABASE_POOL_SIZE sizes the pool', async t => {
  const url = 'postgres://puls:s3cret@db.example.org:5432/puls?sslmode=verify-full'
  t.same(loadConfig({ DATABASE_URL: url }).postgres, { url, poolSize: 10 })
  t.equal(loadConfig({ DATABASE_URL: url }).databaseFile, '', 'no SQLite file')
  t.same(loadConfig({ DATABASE_URL: 'postgresql://db/puls', DATABASE_POOL_SIZE: '25' }).postgres,
    { url: 'postgresql://db/puls', poolSize: 25 })
  const refused = (env: Record<string, string>): string => {
    const err = t.throws(() => loadConfig(env)) as ConfigError
    t.notMatch(err.message, /s3cret/, 'the password is never repeated')
    return err.problems.join('\n')
  }
  t.match(refused({ DATABASE_URL: 'postgres://puls:s3cret@db/puls?sslmode=sometimes' }), /^DATABASE_URL: sslmode must be one of disable, prefer, require/)
  t.match(refused({ DATABASE_URL: 'postgres://puls:s3cret@db.example.org' }), /^DATABASE_URL: names no database/)
  t.match(refused({ DATABASE_URL: 'postgres://puls:s3cret@db:port/puls' }), /^DATABASE_URL: is not a valid URL/)
  t.match(refused({ DATABASE_URL: 'postgres://db/puls', DATABASE_POOL_SIZE: '1' }), /^DATABASE_POOL_SIZE: /)
})

t.test('a PostgreSQL server the service cannot reach is named in one line, without the password', async t => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      PATH: process.env.PATH, DATABASE_URL: 'postgres://puls:s3cret@127.0.0.1:1/puls', PULS_DATA_DIR: t.testdir()
    },
    encoding: 'utf8',
    timeout: 60_000
  })
  t.equal(result.status, 1)
  t.match(result.stderr, /^DATABASE_URL: cannot use the PostgreSQL database: connect ECONNREFUSED 127\.0\.0\.1:1\n$/)
  t.notMatch(result.stderr, /s3cret/)
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
