import { readFileSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { api, build, onlyOn, testClock } from '../helpers/build.js'
import { undoMigrationsFrom } from '../helpers/migrations.js'
import { rows } from '../helpers/puls.js'
import { createSurvey, seedAnswers } from '../helpers/seed.js'
import { itemDataset, ITEMS } from './item-data.js'
import { run as dbRun } from '../../src/db/dialect.js'

// Migration 0009 backfills response_combos from the answers already stored. Its backfill statement,
// run on answers stored the usual way, must give the counts the rollup keeps (added up by parsed
// attributes: SQLite may spell a combination with its keys in another order).

const backfill = readFileSync(
  new URL('../../db/migrations/0009_response_combos_without_rowid.sql', import.meta.url),
  'utf8'
)
  .split('--> statement-breakpoint')
  .filter(s => s.includes('INSERT INTO'))

// Every test here runs SQLite migrations (db/migrations/) on a SQLite database: PostgreSQL starts at
// its own first migration (db/migrations/postgres/), with no old data to carry.
const SQLITE_MIGRATIONS = onlyOn('sqlite', 'runs and undoes SQLite migrations of old data')

t.test('the backfill of migration 0009 counts what the rollup counts', { skip: SQLITE_MIGRATIONS }, async t => {
  const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
  const survey = await createSurvey(app)
  const seeded = []
  for (let i = 0; i < 120; i++) {
    // Attributes in varying key order, some missing, one with a quote and a non-ASCII letter.
    const attributes: Record<string, string> =
      i % 2 === 0 ? { team: `t${i % 3}`, agent: `a${i % 4}` } : { agent: `a${i % 4}`, team: `t${i % 3}` }
    if (i % 5 === 0) attributes.site = 'Tromsø "nord"'
    if (i % 7 === 0) delete attributes.agent
    seeded.push({
      score: i % 11,
      day: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`,
      attributes,
      channel: i % 3 === 0 ? ('collector' as const) : ('email' as const)
    })
  }
  await seedAnswers(app, survey.id, seeded)
  // Rows of both tables as [key…, counts…]; the combination (its last key) spelled by its parsed entries.
  type Row = Record<string, string | number>
  const canonical = (list: Row[], keys: string[], counts: string[]): string[] => {
    const sums = new Map<string, number[]>()
    for (const r of list) {
      const key = JSON.stringify([
        ...keys.map(k => r[k]),
        Object.entries(JSON.parse(String(r.combo)) as Record<string, string>).sort()
      ])
      const now = sums.get(key) ?? counts.map(() => 0)
      sums.set(
        key,
        now.map((x, i) => x + Number(r[counts[i]!]))
      )
    }
    return [...sums].map(([key, c]) => `${key} ${c.join(' ')}`).sort()
  }
  const read = async () => [
    canonical(
      await rows<Row>(app, `SELECT day, combo, n FROM response_combos WHERE survey_id = '${survey.id}'`),
      ['day'],
      ['n']
    ),
    canonical(
      await rows<Row>(
        app,
        `SELECT month, combo, score, n, invited FROM response_combo_scores WHERE survey_id = '${survey.id}'`
      ),
      ['month', 'score'],
      ['n', 'invited']
    )
  ]
  const kept = await read()
  t.equal(backfill.length, 2, 'one statement per table')
  await dbRun(app.store.db, sql`DELETE FROM response_combos`)
  await dbRun(app.store.db, sql`DELETE FROM response_combo_scores`)
  for (const statement of backfill) await dbRun(app.store.db, sql.raw(statement))
  t.same(await read(), kept, 'the same counts per day and attributes, and per month, attributes and score')
})

// Migration 0012 drops response_counts' `attribute` and `value` (always '' since 0009). A database
// as it was before, taken back to 0011's table, must migrate with every count kept and the table
// still WITHOUT ROWID.
const migration0006 = readFileSync(
  new URL('../../db/migrations/0006_response_counts_without_rowid.sql', import.meta.url),
  'utf8'
).split('--> statement-breakpoint')[0]!

/** When a migration was generated: drizzle records it as the migration's `created_at`. */

t.test('a database from before migration 0012 migrates, its results unchanged', {
  skip: SQLITE_MIGRATIONS
}, async t => {
  const clock = testClock('2026-04-20T10:00:00Z')
  const first = await build(t, { clock })
  // No items: undoing 0013 (surveys.items) would drop a survey's default items with it.
  const survey = await createSurvey(first, { min_group_size: 3, items: [] })
  await seedAnswers(
    first,
    survey.id,
    Array.from({ length: 90 }, (_, i) => ({
      score: i % 11,
      day: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`,
      channel: i % 4 === 0 ? ('collector' as const) : ('email' as const)
    }))
  )
  const ask = async (app: typeof first): Promise<unknown> =>
    (await api(app, { url: `/v1/surveys/${survey.id}/results?interval=day` })).json()
  const before = await ask(first)
  const counts = await rows(first, 'SELECT survey_id, day, score, n, invited FROM response_counts ORDER BY day, score')
  t.ok(counts.length > 20, 'rows to migrate')
  // Back to the table 0006 made (the one every database has from 0006 to 0011), 0012 not applied.
  for (const statement of [
    'ALTER TABLE response_counts RENAME TO response_counts_current',
    migration0006,
    "INSERT INTO response_counts_new SELECT survey_id, '', '', day, score, n, invited FROM response_counts_current",
    'DROP TABLE response_counts_current',
    'ALTER TABLE response_counts_new RENAME TO response_counts'
  ]) await dbRun(first.store.db, sql.raw(statement))
  // Later migrations are undone too: drizzle applies only those newer than the newest applied.
  undoMigrationsFrom(first.store.db, '0012_', ['0012_'])
  const columns = async (app: typeof first): Promise<unknown[]> =>
    (await rows(app, "SELECT name FROM pragma_table_info('response_counts') ORDER BY cid")).map(r => r.name)
  t.same(await columns(first), ['survey_id', 'attribute', 'value', 'day', 'score', 'n', 'invited'], 'the table of 0006')
  await first.close()

  const second = await build(t, { clock, dataDir: first.dataDir })
  // 0013 adds the comment counts after them.
  t.same(
    await columns(second),
    ['survey_id', 'day', 'score', 'n', 'invited', 'comments', 'invited_comments'],
    'attribute and value are gone'
  )
  t.match(
    (await rows<{ sql: string }>(second, "SELECT sql FROM sqlite_master WHERE name = 'response_counts'"))[0]!.sql,
    /WITHOUT ROWID\s*$/,
    'still WITHOUT ROWID'
  )
  t.same(await rows(second, 'SELECT survey_id, day, score, n, invited FROM response_counts ORDER BY day, score'),
    counts)
  t.same(await ask(second), before, 'the same results')
  // Answers stored the usual way (seedAnswers goes through the rollup) are counted in the new table.
  await seedAnswers(second, survey.id, [
    { score: 7, day: '2026-03-01' },
    { score: 7, day: '2026-04-19' }
  ])
  const had = counts.find(r => r.day === '2026-03-01' && r.score === 7)?.n ?? 0
  t.same(await rows(second, "SELECT n FROM response_counts WHERE day = '2026-03-01' AND score = 7"),
    [{ n: Number(had) + 1 }])
})

/** The item count rows, in key order. */
async function itemRows (app: Parameters<typeof rows>[0]): Promise<Array<Record<string, unknown>>> {
  return await rows(app, 'SELECT * FROM response_item_counts ORDER BY month, combo, item, value')
}

/** A post-case survey with items and answers, and the results questions the item migration tests ask. */
async function itemSurvey (t: Parameters<typeof build>[0]) {
  const clock = testClock('2026-04-20T10:00:00Z')
  const first = await build(t, { clock })
  const survey = await createSurvey(first, { kind: 'post_case', metric: 'csat', items: ITEMS })
  await seedAnswers(first, survey.id, itemDataset(5, 8))
  const questions = ['', '?group_by=item.fcr&interval=month', '?item.reason=wait&group_by=agent', '?agent=a']
  const ask = async (app: typeof first): Promise<unknown[]> => Promise.all(questions.map(async q =>
    (await api(app, { url: `/v1/surveys/${survey.id}/results${q}` })).json()))
  return { clock, first, ask }
}

t.test('migration 0017 counts the item answers stored before it as the answer path counts them', {
  skip: SQLITE_MIGRATIONS
}, async t => {
  const { clock, first, ask } = await itemSurvey(t)
  const tables = async (app: typeof first): Promise<unknown> => ({
    items: (await rows(app, 'SELECT * FROM response_item_counts ORDER BY month, combo, item, value'))
      .map(r => ({ ...r, combo: JSON.parse(r.combo as string) })),
    combos: (await rows(app, 'SELECT * FROM response_combos ORDER BY day, combo'))
      .map(r => ({ ...r, combo: JSON.parse(r.combo as string) })),
    scores: (await rows(app, 'SELECT * FROM response_combo_scores ORDER BY month, combo, score'))
      .map(r => ({ ...r, combo: JSON.parse(r.combo as string) }))
  })
  const before = { results: await ask(first), tables: await tables(first) }
  t.ok((before.results[0] as { items: { fcr: { answered: number } } }).items.fcr.answered > 20, 'item results show')
  // Back to before 0017: no item counts, combinations of attributes only.
  undoMigrationsFrom(first.store.db, '0017_')
  const strip = `(SELECT json_group_object(key, value) FROM
    (SELECT key, value FROM json_each(combo) WHERE key NOT LIKE 'item.%' ORDER BY key))`
  for (const [table, keys] of [['response_combos', 'day'], ['response_combo_scores', 'month, score']] as const) {
    for (const statement of [
      `CREATE TEMP TABLE old AS SELECT survey_id, ${keys}, ${strip} AS combo, sum(n) AS n, sum(invited) AS invited
        FROM ${table} GROUP BY survey_id, ${keys}, ${2 + keys.split(',').length}`,
      `DELETE FROM ${table}`,
      `INSERT INTO ${table} (survey_id, ${keys}, combo, n, invited) SELECT * FROM old`,
      'DROP TABLE old'
    ]) await dbRun(first.store.db, sql.raw(statement))
  }
  await first.close()
  const second = await build(t, { clock, dataDir: first.dataDir })
  t.same(await tables(second), before.tables, 'the rollups hold what the answer path wrote')
  t.same(await ask(second), before.results, 'the same results')
})

t.test('migration 0020 drops the answered rows of single-valued items; the results stay the same', {
  skip: SQLITE_MIGRATIONS
}, async t => {
  const { clock, first, ask } = await itemSurvey(t)
  const answered = async (app: typeof first): Promise<string[]> => [...new Set((await itemRows(app))
    .filter(r => r.value === '').map(r => r.item as string))].sort()
  const before = { results: await ask(first), items: await itemRows(first) }
  const multiOrText = ITEMS.filter(i => i.type === 'multi_choice' || i.type === 'text').map(i => i.key).sort()
  t.same(await answered(first), multiOrText, 'the answer path stores answered rows of multi-choice and text only')
  // Back to before 0020: every item answered row stored, as 0017 and the answer path wrote them.
  undoMigrationsFrom(first.store.db, '0020_')
  const stored = await itemRows(first)
  t.same(await answered(first), ITEMS.filter(i => stored.some(r => r.item === i.key)).map(i => i.key).sort(),
    'before it, every answered item has its answered rows')
  await first.close()
  const second = await build(t, { clock, dataDir: first.dataDir })
  t.same(await itemRows(second), before.items, 'the rows the answer path writes')
  t.same(await ask(second), before.results, 'the same results')
})

t.test('migration 0021 drops the value rows of yes/no and choice items; the results stay the same', {
  skip: SQLITE_MIGRATIONS
}, async t => {
  const { clock, first, ask } = await itemSurvey(t)
  const before = { results: await ask(first), items: await itemRows(first) }
  const grouped = ITEMS.filter(i => i.type === 'yes_no' || i.type === 'choice').map(i => i.key)
  t.ok(grouped.length > 0, 'the survey has yes/no or choice items')
  t.notOk(before.items.some(r => grouped.includes(r.item as string)),
    'the answer path stores no rows of yes/no and choice items')
  t.ok(before.items.length > 0, 'it stores the other items\' rows')
  // Back to before 0021: the value rows of yes/no and choice items stored, as the answer path wrote them.
  undoMigrationsFrom(first.store.db, '0021_')
  const undone = (await itemRows(first)).map(r => r.item as string)
  t.ok(grouped.every(k => undone.includes(k)), 'before it, yes/no and choice items have value rows')
  // Read again (an older instance may still write such rows): its months are not kept from before.
  first.decidedMonths.clear()
  t.same(await ask(first), before.results, 'the stored rows are not counted twice')
  await first.close()
  const second = await build(t, { clock, dataDir: first.dataDir })
  t.same(await itemRows(second), before.items, 'the rows the answer path writes')
  t.same(await ask(second), before.results, 'the same results')
})
