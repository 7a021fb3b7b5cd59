import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import t from 'tap'
import { keyIdOf } from '../src/auth/keys.js'
import { digest } from '../src/ids.js'
import { sql } from 'drizzle-orm'
import { all as dbAll } from '../src/db/dialect.js'
import { API_KEY, build, TEST_STORE } from './helpers/build.js'
import { cliOn } from './helpers/cli.js'

type App = Awaited<ReturnType<typeof build>>
const cli = (app: App, ...args: string[]) => cliOn(app, args)

/** Everything the database holds of API keys: the SQLite file and its WAL, or the rows on PostgreSQL. */
async function storedKeys (app: App): Promise<string> {
  if (TEST_STORE === 'postgres') return JSON.stringify(await dbAll(app.store.db, sql`SELECT * FROM api_keys`))
  return readFileSync(app.config.databaseFile).toString('latin1') +
    readFileSync(`${app.config.databaseFile}-wal`).toString('latin1')
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
  const created = await cli(app, 'keys', 'create', '--name', 'helpdesk')
  t.equal(created.code, 0)
  const key = created.out.at(-1)!
  const id = /created API key (key_\S+)/.exec(created.out[0]!)![1]!
  t.match(key, /^puls_[A-Za-z0-9_-]{43}$/)

  t.equal((await list(app, `Bearer ${key}`)).statusCode, 200)

  const listed = await cli(app, 'keys', 'list')
  t.match(listed.out.join('\n'), new RegExp(`${id}\\thelpdesk\\t.*\\tactive`))
  t.notMatch(listed.out.join('\n'), key, 'the list never shows a key')
  const stored = await storedKeys(app)
  t.match(stored, id, 'the key is stored')
  t.notOk(stored.includes(key), 'the database holds no plain key')

  const revoked = await cli(app, 'keys', 'revoke', id)
  t.equal(revoked.code, 0)
  const res = await list(app, `Bearer ${key}`)
  t.equal(res.statusCode, 401)
  t.match(res.json(), { detail: /unknown or revoked/ })
  t.match((await cli(app, 'keys', 'list')).out.join('\n'), new RegExp(`${id}\\thelpdesk\\t.*\\trevoked`))

  const again = await cli(app, 'keys', 'revoke', id)
  t.equal(again.code, 1, 'revoking twice is an error')
  t.match(again.err.join('\n'), /not found/)
})

t.test(
  'keys create refuses an unknown role, a reader without teams and teams on other keys, and makes nothing',
  async t => {
    const app = await build(t)
    const bad = [
      ['keys', 'create', '--role', 'owner'],
      ['keys', 'create', '--role', 'reader'],
      ['keys', 'create', '--role', 'reader', '--teams', ' , '],
      ['keys', 'create', '--role', 'integration', '--teams', 'it'],
      ['keys', 'create', '--name', ' ']
    ]
    for (const args of bad) {
      const res = await cli(app, ...args)
      t.not(res.code, 0, args.join(' '))
      t.match(res.err.join(''), /role|team|name/, args.join(' '))
    }
    t.match((await cli(app, 'keys', 'list')).out.join(''), /no API keys/)
  }
)

t.test('keys create without a name names the key after its role and teams', async t => {
  const app = await build(t)
  const res = await cli(app, 'keys', 'create', '--role', 'reader', '--teams', 'it,hr')
  t.equal(res.code, 0)
  t.match(res.out[0], /created API key key_\S+ \(reader it,hr, reader of it,hr\)/)
  t.match((await cli(app, 'keys', 'list')).out.join(''), /\treader it,hr\treader of it,hr\tcreated .*\tactive/)
})

t.test('public routes need no key', async t => {
  const app = await build(t)
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  t.equal((await app.inject({ url: '/openapi.json' })).statusCode, 200)
})

t.test(
  'key checks compare fixed-length digests, so how much of a key a guess got right changes nothing compared',
  async t => {
    // No wall-clock assertion (timing in a shared CI box proves nothing either way): the property
    // that makes the check constant-time is that only SHA-256 digests of equal length are compared
    // (timingSafeEqual for the bootstrap key, an index lookup of the digest for stored keys), and a
    // guess that shares a long prefix with the key shares nothing more of its digest than chance.
    const app = await build(t)
    const leadingEqual = (a: Buffer, b: Buffer): number => {
      let i = 0
      while (i < a.length && a[i] === b[i]) i++
      return i
    }
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 16, maxLength: 80 }),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 8 }),
        async (key, cut, tail) => {
          const guess = key.slice(0, cut % key.length) + tail
          fc.pre(guess !== key)
          const [keyDigest, guessed] = [digest(key), digest(guess)]
          if (keyDigest.length !== 32 || guessed.length !== 32) throw new Error('digests of unequal length')
          if (leadingEqual(keyDigest, guessed) >= 4) {
            throw new Error(`the digest of ${JSON.stringify(guess)} shares its start with the key's`)
          }
          if (
            await keyIdOf(app.store.db, key, keyDigest) === undefined ||
            await keyIdOf(app.store.db, guess, keyDigest) !== undefined
          ) { throw new Error('wrong answer') }
        }
      ),
      { numRuns: 300, seed: 20_260_302 }
    )

    // Over HTTP, a near miss and a far miss are refused alike.
    const near = await list(app, `Bearer ${API_KEY.slice(0, -1)}x`)
    const far = await list(app, 'Bearer x')
    t.equal(near.statusCode, 401)
    t.same({ ...near.json(), instance: undefined }, { ...far.json(), instance: undefined }, 'the same answer')
  }
)
