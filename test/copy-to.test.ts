import { PassThrough } from 'node:stream'
import Database from 'better-sqlite3'
import { getTableName, type Table } from 'drizzle-orm'
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3'
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import t from 'tap'
import { runCli, type CliIo } from '../src/cli.js'
import { copyToPostgres, inCopyOrder } from '../src/db/copy.js'
import { API_KEY, api, build, testClock } from './helpers/build.js'
import { createSurvey, invite, linkToken, submitJson, type App } from './helpers/puls.js'
import { startPostgres } from './helpers/postgres.js'

// `npm run puls -- copy-to <postgres-url>` (docs/postgres.md): a SQLite database seeded through the
// real app, copied while the app still runs into an empty database of a durable PostgreSQL
// cluster, then compared table by table, row by row.

const cluster = await startPostgres(t, { durable: true })
const admin = new pg.Pool({ connectionString: cluster.url, max: 2 })
admin.on('error', () => {}) // idle connections end when the cluster stops at teardown
t.teardown(() => admin.end())

let databases = 0
async function emptyDatabase (): Promise<string> {
  const name = `copy_${++databases}`
  await admin.query(`CREATE DATABASE ${name}`)
  return cluster.url.replace(/\/postgres$/, `/${name}`)
}

/** Strings that must never reach the command's output: row contents. */
const SECRETS = ['Nobody called back, ever', 'ada.lovelace@example.org', 'Grace kept the printer alive']

const ITEMS = [
  { key: 'fcr', type: 'yes_no' },
  {
    key: 'channel',
    type: 'choice',
    question: { en: 'How did you reach us?' },
    options: [{ key: 'phone', label: { en: 'Phone' } }, { key: 'mail', label: { en: 'E-mail' } }]
  },
  { key: 'idea', type: 'text', question: { en: 'One thing we could do better?' } }
]

/** A service that has been used: surveys, answers over several days, invitations, items, collectors. */
async function seed (app: App, clock: ReturnType<typeof testClock>): Promise<void> {
  const ok = (res: { statusCode: number, body: string }, status: number): void => {
    if (res.statusCode !== status) throw new Error(`${res.statusCode}: ${res.body}`)
  }
  const desk = await createSurvey(app, { items: ITEMS })
  for (let day = 0; day < 4; day++) {
    for (let i = 0; i < 6; i++) {
      const token = await linkToken(app, desk.id, { attributes: { agent: i % 2 === 0 ? 'ada' : 'grace' } })
      const comment = i === 0 ? SECRETS[0] : i === 1 ? SECRETS[2] : undefined
      const items = { fcr: i % 2 === 0 ? 'yes' : 'no', channel: 'phone', idea: 'More staff' }
      ok(await submitJson(app, token, { score: 1 + (day + i) % 5, comment, items }), 201)
    }
    clock.advanceDays(1)
  }
  ok(await invite(app, desk.id, { channel: 'email', email: SECRETS[1], case_ref: 'INC-1', locale: 'en' }), 201)
  ok(await invite(app, desk.id, { channel: 'email', email: 'bob@example.org', case_ref: 'INC-2' }, {
    'idempotency-key': 'ticket-INC-2'
  }), 201)
  await linkToken(app, desk.id, { case_ref: 'INC-3' }) // open, never answered

  const kiosk = await createSurvey(app, { kind: 'self_service', name: 'Walk-up desk' })
  const res = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${kiosk.id}/collectors`,
    payload: { label: 'Floor 3', locale: 'en', attributes: { floor: '3' }, cooldown_seconds: 0 }
  })
  ok(res, 201)
  const url: string = res.json().url
  for (let i = 0; i < 3; i++) {
    ok(await submitJson(app, url.slice(url.lastIndexOf('/s/') + 3), { score: 3 + i }, {
      remoteAddress: `192.0.2.${i + 1}`
    }), 201)
  }
  ok(await api(app, { method: 'PUT', url: `/v1/surveys/${desk.id}/target`, payload: { value: 30 } }), 200)
  ok(await api(app, { method: 'POST', url: `/v1/surveys/${desk.id}/share-links`, payload: {} }), 201)
  ok(await api(app, {
    method: 'POST', url: '/v1/webhooks', payload: { url: 'https://hooks.example.com/puls', events: ['survey.closed'] }
  }), 201)
  ok(await api(app, { method: 'GET', url: `/v1/surveys/${desk.id}/results` }), 200)
  ok(await api(app, { method: 'PATCH', url: `/v1/surveys/${kiosk.id}`, payload: { status: 'closed' } }), 200)
  const env = { PULS_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent' }
  const quiet = { out: () => {}, err: (line: string) => { throw new Error(line) } }
  if (await runCli(['keys', 'create', '--role', 'reader', '--teams', 'it'], env, quiet) !== 0) throw new Error('no key')
}

interface Run { code: number, out: string[], err: string[], terminal: string }

async function copyTo (app: App, url: string, terminal = false): Promise<Run> {
  const out: string[] = []
  const err: string[] = []
  let drawn = ''
  const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 120 })
  tty.on('data', (chunk: Buffer) => { drawn += chunk.toString() })
  const io: CliIo = {
    out: l => out.push(l),
    err: l => err.push(l),
    terminal: terminal ? tty as unknown as NodeJS.WriteStream : undefined
  }
  const env = { PULS_DATA_DIR: app.dataDir, PULS_API_KEY: API_KEY, LOG_LEVEL: 'silent' }
  const code = await runCli(['copy-to', url], env, io)
  return { code, out, err, terminal: drawn }
}

/** JSON with every object's keys sorted: jsonb keeps values, not the order of an object's keys. */
const canonical = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : 1))
    : v)

/** Every row of every table, as drizzle reads it (Dates, parsed JSON), in one order. */
async function tables (db: { select: () => { from: (t: never) => Promise<unknown[]> } }, of: 'sqlite' | 'pg') {
  const all: Record<string, string[]> = {}
  for (const pair of inCopyOrder()) {
    const table = of === 'sqlite' ? pair.sqlite : pair.pg
    const rows = await db.select().from(table as never)
    all[getTableName(table as Table)] = rows.map(canonical).sort()
  }
  return all
}

t.test('copy-to moves every row of a used SQLite database into an empty PostgreSQL database', async t => {
  const clock = testClock()
  const env = { SWEEP_INTERVAL_SECONDS: '0', RETENTION_INTERVAL_SECONDS: '0' }
  const app = await build(t, { store: 'sqlite', clock, env })
  await seed(app, clock)
  const url = await emptyDatabase()

  // The app keeps running: the copy reads one snapshot beside it.
  const run = await copyTo(app, url)
  t.equal(run.code, 0, run.err.join('\n'))
  t.match(run.out[0], new RegExp(`^copying \\d+ rows in ${inCopyOrder().length} tables$`))
  const total = Number(/copying (\d+) rows/.exec(run.out[0] ?? '')?.[1])
  t.ok(total > 80, `${total} rows`)
  t.ok(run.out.some(l => /^ {2}responses +27$/.test(l)), 'responses counted')
  const printed = [...run.out, ...run.err].join('\n')
  for (const secret of SECRETS) t.notOk(printed.includes(secret), 'no row contents in the output')
  t.notOk(printed.includes(url), 'the URL is not printed')

  const source = new Database(`${app.dataDir}/puls.db`, { readonly: true })
  t.teardown(() => source.close())
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  t.teardown(() => pool.end())
  const before = await tables(sqliteDrizzle({ client: source }) as never, 'sqlite')
  const after = await tables(pgDrizzle({ client: pool }) as never, 'pg')
  t.same(Object.keys(after).sort(), Object.keys(before).sort())
  for (const [table, rows] of Object.entries(before)) t.same(after[table], rows, `${table}: ${rows.length} rows equal`)

  const filled = Object.entries(before).filter(([, rows]) => rows.length > 0).map(([table]) => table)
  t.comment(`empty in the seed: ${Object.keys(before).filter(k => !filled.includes(k)).join(', ')}`)
  for (const table of ['settings', 'surveys', 'responses', 'invitations', 'outbox', 'collectors', 'collector_clients',
    'collector_hour_counts', 'response_counts', 'response_combos', 'response_combo_scores', 'response_item_counts',
    'share_links', 'targets',
    'webhook_subscriptions', 'webhook_deliveries', 'audit_events', 'api_keys']) {
    t.ok(filled.includes(table), `the seed filled ${table}`)
  }

  // Nothing on the target follows arrival: rows lie in key order, all written by one transaction.
  for (const [table, key] of [['responses', 'survey_id, day, id'], ['invitations', 'id'], ['outbox', 'id']]) {
    // SQLite keeps invitations and outbox rows in arrival order (rowid tables); the copy does not.
    const physical = await pool.query(`SELECT ${key} FROM ${table} ORDER BY ctid`)
    const keyed = await pool.query(`SELECT ${key} FROM ${table} ORDER BY ${key}`)
    t.same(physical.rows, keyed.rows, `${table} lie in key order`)
  }
  const writers = await pool.query(`SELECT count(DISTINCT xmin::text) AS n FROM (
    SELECT xmin FROM responses UNION ALL SELECT xmin FROM invitations UNION ALL SELECT xmin FROM response_counts) w`)
  t.equal(Number(writers.rows[0].n), 1, 'one transaction wrote them all')

  // A second copy into the same database is refused and changes nothing.
  const again = await copyTo(app, url)
  t.equal(again.code, 1)
  t.match(again.err.join('\n'), /^the target database already holds Puls data \(.*surveys: 2.*\); copy-to writes only/)
  t.same(await tables(pgDrizzle({ client: pool }) as never, 'pg'), after, 'the target is unchanged')
})

t.test('answers that come in during the copy stay out of it whole: one snapshot', async t => {
  const app = await build(t, { store: 'sqlite', env: { RATE_LIMIT_MAX: '0' } })
  const survey = await createSurvey(app)
  const tokens = await Promise.all(Array.from({ length: 400 }, () => linkToken(app, survey.id)))
  for (const token of tokens.splice(0, 200)) await submitJson(app, token, { score: 4 })
  const state = { copying: true }
  let during = 0
  let writer: Promise<void> | undefined
  // Writes begin once the snapshot is taken and go on while the rows are written to PostgreSQL.
  const counts = await copyToPostgres(`${app.dataDir}/puls.db`, { url: await emptyDatabase(), poolSize: 2 }, {
    start: () => {
      writer = (async () => {
        while (state.copying && tokens.length > 0) {
          if ((await submitJson(app, tokens.pop()!, { score: 2 })).statusCode === 201) during++
        }
      })()
    }
  }).finally(async () => {
    state.copying = false
    await writer
  })
  t.ok(during > 0, `${during} answers arrived while it copied`)
  t.equal(counts.find(c => c.table === 'responses')?.rows, 200, 'the snapshot\'s 200 responses, checked on both sides')
})

t.test('with DATABASE_URL on PostgreSQL, the CLI migrates it and refuses what needs the service', async t => {
  const url = await emptyDatabase()
  const out: string[] = []
  const err: string[] = []
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }
  t.equal(await runCli(['migrate'], { DATABASE_URL: url }, io), 0, err.join('\n'))
  t.same(out, ['migrations applied to the PostgreSQL database'])
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  t.teardown(() => pool.end())
  t.ok((await pool.query("SELECT to_regclass('public.responses') AS t")).rows[0].t, 'the tables exist')
  t.equal(await runCli(['keys', 'list'], { DATABASE_URL: url }, io), 0, err.join('\n'))
  t.equal(out.at(-1), 'no API keys', 'the other commands run on PostgreSQL too')
})

t.test('on a terminal it draws a progress bar', async t => {
  const app = await build(t, { store: 'sqlite' })
  await createSurvey(app)
  const run = await copyTo(app, await emptyDatabase(), true)
  t.equal(run.code, 0, run.err.join('\n'))
  t.match(run.terminal, /copying \|[█░]+\| 100% \| \d+\/\d+ rows/)
  t.notOk(run.out.some(l => l.startsWith('copying ')), 'no plain progress lines')
})

t.test('a bad URL, a missing database file or one of another version: one line, nothing written', async t => {
  const app = await build(t, { store: 'sqlite' })
  const bad = await copyTo(app, 'mysql://db/puls')
  t.equal(bad.code, 2)
  t.same(bad.err, ['copy-to: the PostgreSQL URL must start with postgres://'])
  t.match((await copyTo(app, 'postgres://db.example.org')).err[0], /names no database/)

  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['copy-to', await emptyDatabase()], { DATABASE_URL: `${app.dataDir}/nowhere.db` }, {
    out: l => out.push(l), err: l => err.push(l)
  })
  t.equal(code, 1)
  t.match(err[0], /^database .*nowhere\.db not found$/)

  // A database of another version: its tables would not match the copy's.
  const file = new Database(`${app.dataDir}/puls.db`)
  file.prepare('DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)')
    .run()
  file.close()
  const target = await emptyDatabase()
  const older = await copyTo(app, target)
  t.equal(older.code, 1)
  t.match(older.err[0], /^the SQLite database has \d+ of this version's \d+ migrations: run `npm run puls -- migrate`/)
  const pool = new pg.Pool({ connectionString: target, max: 1 })
  t.teardown(() => pool.end())
  t.equal((await pool.query("SELECT to_regclass('public.surveys') AS t")).rows[0].t, null, 'the target was not touched')
})
