import pg from 'pg'
import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { run as dbRun } from '../src/db/dialect.js'
import { api, build, testClock } from './helpers/build.js'
import { startPostgres } from './helpers/postgres.js'
import { createSurvey, rows } from './helpers/puls.js'
import { seedAnswers, type Answer } from './helpers/seed.js'

// docs/anonymity.md on PostgreSQL (docs/postgres.md, "Anonymity on PostgreSQL"): nothing in the
// schema orders answers by arrival or dates them finer than the day, what a reader gets comes in
// the same order as on SQLite, and a server that records commit times is refused. Runs once, with
// both stores side by side (scripts/test.ts).

// Tables whose rows are answers or counts of answers: no column may say more than the day.
const ANSWER_TABLES = [
  'responses', 'response_counts', 'response_combos', 'response_combo_scores', 'response_item_counts'
]
// The only types they may use: a day or month is YYYY-MM(-DD) text; no timestamp, time, interval,
// nor bigint (the milliseconds of a timestampMs column, src/db/postgres/columns.ts).
const ALLOWED_TYPES = ['text', 'integer', 'jsonb']

t.test('no sequence, no identity, no column default from a sequence, after answers arrived', async t => {
  const app = await build(t, { store: 'postgres' })
  const survey = await createSurvey(app, { kind: 'relationship' })
  await seedAnswers(app, survey.id, [{ score: 9, day: '2026-03-02' }, { score: 3, day: '2026-03-02' }])
  t.same(await rows(app, 'SELECT sequencename FROM pg_sequences'), [], 'pg_sequences is empty')
  t.same(await rows(app, `SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND (column_default LIKE '%nextval%' OR is_identity = 'YES')`), [],
  'no column takes its value from a sequence')
  const tables = await rows(app, "SELECT 1 FROM pg_tables WHERE schemaname = 'public'")
  t.ok(tables.length > 10, 'while the tables are there')
})

t.test('answers and their counts hold no time finer than the day', async t => {
  const app = await build(t, { store: 'postgres' })
  const columns = await rows<{ table_name: string, column_name: string, data_type: string }>(app, `
    SELECT table_name, column_name, data_type FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name IN (${ANSWER_TABLES.map(n => `'${n}'`).join(', ')})
    ORDER BY table_name, column_name`)
  t.same([...new Set(columns.map(c => c.table_name))].sort(), [...ANSWER_TABLES].sort(), 'every such table checked')
  t.same(columns.filter(c => !ALLOWED_TYPES.includes(c.data_type)), [], 'no timestamp, time or milliseconds')
  const days = columns.filter(c => c.column_name === 'day' || c.column_name === 'month')
  t.equal(days.length, ANSWER_TABLES.length, 'each carries its day or month')
  t.same(days.filter(c => c.data_type !== 'text'), [], 'as YYYY-MM(-DD) text, as on SQLite')
})

/** The same answers, with the same ids, on a store: the outputs a reader gets. */
async function outputs (t: Test, store: 'sqlite' | 'postgres'): Promise<{ csv: string, results: unknown }> {
  const app = await build(t, { store, clock: testClock('2026-04-20T09:00:00Z') })
  const survey = await createSurvey(app, { kind: 'relationship', name: 'Order', team: 'it' })
  const seeded: Answer[] = IDS.map((_, i) => ({
    score: [9, 10, 7][i % 3]!,
    day: `2026-03-${String(2 + (i % 4)).padStart(2, '0')}`,
    comment: `answer ${i}`,
    attributes: { team: 'it' }
  }))
  await seedAnswers(app, survey.id, seeded)
  // Random ids differ per store; give both the same ones, chosen so that byte order differs from
  // a language's order (case, '-' and '_'), to compare the order of what comes out.
  for (const [i, id] of IDS.entries()) {
    await dbRun(app.store.db, sql`UPDATE responses SET id = ${id} WHERE comment = ${`answer ${i}`}`)
  }
  const query = '?from=2026-03-01&to=2026-03-31'
  const csv = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv${query}` })
  const results = await api(app, { url: `/v1/surveys/${survey.id}/results${query}` })
  if (csv.statusCode !== 200 || results.statusCode !== 200) throw new Error(`${csv.body}\n${results.body}`)
  const json = results.json()
  // Both carry the survey's own random id and creation time; they differ per store by nature.
  const anonymous = (text: string): string => text.replaceAll(survey.id, 'SURVEY')
  return { csv: anonymous(csv.body), results: JSON.parse(anonymous(JSON.stringify(json))) }
}
const IDS = ['b0000000000000000000aa', 'B0000000000000000000aa', '_0000000000000000000aa', '-0000000000000000000aa',
  'a1000000000000000000aa', 'Z0000000000000000000aa', '00000000000000000000aa', 'z_000000000000000000aa',
  'z-000000000000000000aa', 'zA000000000000000000aa', 'za000000000000000000aa', '9z000000000000000000aa']

t.test('CSV and the results API give the same answers in the same order on both stores', async t => {
  const sqlite = await outputs(t, 'sqlite')
  const postgres = await outputs(t, 'postgres')
  t.ok(sqlite.csv.split('\n').length > IDS.length, 'the CSV has every answer')
  t.equal(postgres.csv, sqlite.csv, 'the same CSV, byte for byte')
  t.same(postgres.results, sqlite.results, 'the same results')
})

t.test('a server that records commit times is refused, in one line', async t => {
  const cluster = await startPostgres(t, { settings: { track_commit_timestamp: 'on' } })
  const admin = new pg.Client({ connectionString: cluster.url })
  await admin.connect()
  await admin.query('CREATE DATABASE refused')
  await admin.end()
  const url = cluster.url.replace(/\/postgres$/, '/refused')
  await t.rejects(build(t, { env: { DATABASE_URL: url } }),
    /refusing PostgreSQL with track_commit_timestamp = on: it records when each answer was written/)
  const check = new pg.Client({ connectionString: url })
  await check.connect()
  t.teardown(() => check.end())
  const tables = await check.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")
  t.equal(tables.rows[0].n, 0, 'and nothing was written there')
})
