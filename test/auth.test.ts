import { readFileSync } from 'node:fs'
import t from 'tap'
import { runCli } from '../src/cli.js'
import { build } from './helpers/build.js'

function cli (dataDir: string, ...args: string[]): Promise<{ code: number, out: string[], err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  return runCli(args, { PULS_DATA_DIR: dataDir }, { out: l => out.push(l), err: l => err.push(l) })
    .then(code => ({ code, out, err }))
}

const list = (app: { inject: Function }, authorization?: string) =>
  app.inject({ url: '/v1/surveys', headers: authorization === undefined ? {} : { authorization } })

t.test('a /v1 route without a key answers a 401 problem', async t => {
  const app = await build(t)
  const res = await list(app)
  t.equal(res.statusCode, 401)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="puls"')
  t.match(res.json(), { status: 401, title: 'Unauthorized', code: 'unauthorized', detail: /Authorization: Bearer/ })
})

t.test('malformed and wrong keys are refused alike', async t => {
  const app = await build(t)
  for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer wrong-key-0123456789', `Bearer ${'x'.repeat(500)}`]) {
    const res = await list(app, header)
    t.equal(res.statusCode, 401, header.slice(0, 20))
    t.notMatch(res.body, /wrong-key/, 'the presented key is not echoed')
  }
})

t.test('the bootstrap key from PULS_API_KEY is accepted', async t => {
  const app = await build(t, { env: { PULS_API_KEY: 'bootstrap-key-for-this-test' } })
  t.equal((await list(app, 'Bearer bootstrap-key-for-this-test')).statusCode, 200)
  t.equal((await list(app, 'bearer bootstrap-key-for-this-test')).statusCode, 200, 'the scheme is case-insensitive')
  t.equal((await list(app, 'Bearer bootstrap-key-for-this-tesT')).statusCode, 401)
})

t.test('keys made by the CLI work until revoked, and only their hash is stored', async t => {
  const app = await build(t, { env: { PULS_API_KEY: '' } })
  const created = await cli(app.dataDir, 'keys', 'create', '--name', 'helpdesk')
  t.equal(created.code, 0)
  const key = created.out.at(-1)!
  const id = /created API key (key_\S+)/.exec(created.out[0]!)![1]!
  t.match(key, /^puls_[A-Za-z0-9_-]{43}$/)

  t.equal((await list(app, `Bearer ${key}`)).statusCode, 200)

  const listed = await cli(app.dataDir, 'keys', 'list')
  t.match(listed.out.join('\n'), new RegExp(`${id}\\thelpdesk\\t.*\\tactive`))
  t.notMatch(listed.out.join('\n'), key, 'the list never shows a key')
  const file = readFileSync(app.config.databaseFile).toString('latin1') + readFileSync(`${app.config.databaseFile}-wal`).toString('latin1')
  t.notOk(file.includes(key), 'the database holds no plain key')

  const revoked = await cli(app.dataDir, 'keys', 'revoke', id)
  t.equal(revoked.code, 0)
  const res = await list(app, `Bearer ${key}`)
  t.equal(res.statusCode, 401)
  t.match(res.json(), { detail: /unknown or revoked/ })
  t.match((await cli(app.dataDir, 'keys', 'list')).out.join('\n'), new RegExp(`${id}\\thelpdesk\\t.*\\trevoked`))

  const again = await cli(app.dataDir, 'keys', 'revoke', id)
  t.equal(again.code, 1, 'revoking twice is an error')
  t.match(again.err.join('\n'), /not found/)
})

t.test('keys create without a name is refused', async t => {
  const dir = t.testdir()
  const res = await cli(dir, 'keys', 'create')
  t.equal(res.code, 2)
  t.match(res.err.join(''), /--name/)
  t.match((await cli(dir, 'keys', 'list')).out.join(''), /no API keys/)
})

t.test('public routes need no key', async t => {
  const app = await build(t)
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  t.equal((await app.inject({ url: '/openapi.json' })).statusCode, 200)
})
