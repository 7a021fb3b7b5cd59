import { readFileSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { build, testClock } from '../helpers/build.js'
import { rows } from '../helpers/puls.js'
import { createSurvey, seedAnswers } from '../helpers/seed.js'

// Migration 0009 backfills response_combos from the answers already stored. Its backfill statement,
// run on answers stored the usual way, must give the counts the rollup keeps (added up by parsed
// attributes: SQLite may spell a combination with its keys in another order).

const backfill = readFileSync(new URL('../../db/migrations/0009_response_combos_without_rowid.sql', import.meta.url), 'utf8')
  .split('--> statement-breakpoint').filter(s => s.includes('INSERT INTO'))

t.test('the backfill of migration 0009 counts what the rollup counts', async t => {
  const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
  const survey = await createSurvey(app)
  const seeded = []
  for (let i = 0; i < 120; i++) {
    // Attributes in varying key order, some missing, one with a quote and a non-ASCII letter.
    const attributes: Record<string, string> = i % 2 === 0 ? { team: `t${i % 3}`, agent: `a${i % 4}` } : { agent: `a${i % 4}`, team: `t${i % 3}` }
    if (i % 5 === 0) attributes.site = 'Tromsø "nord"'
    if (i % 7 === 0) delete attributes.agent
    seeded.push({ score: i % 11, day: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`, attributes, channel: i % 3 === 0 ? 'collector' as const : 'email' as const })
  }
  seedAnswers(app, survey.id, seeded)
  // Rows of both tables as [key…, counts…]; the combination (its last key) spelled by its parsed entries.
  type Row = Record<string, string | number>
  const canonical = (list: Row[], keys: string[], counts: string[]): string[] => {
    const sums = new Map<string, number[]>()
    for (const r of list) {
      const key = JSON.stringify([...keys.map(k => r[k]), Object.entries(JSON.parse(String(r.combo)) as Record<string, string>).sort()])
      const now = sums.get(key) ?? counts.map(() => 0)
      sums.set(key, now.map((x, i) => x + Number(r[counts[i]!])))
    }
    return [...sums].map(([key, c]) => `${key} ${c.join(' ')}`).sort()
  }
  const read = () => [
    canonical(rows<Row>(app, `SELECT day, combo, n FROM response_combos WHERE survey_id = '${survey.id}'`), ['day'], ['n']),
    canonical(rows<Row>(app, `SELECT month, combo, score, n, invited FROM response_combo_scores WHERE survey_id = '${survey.id}'`), ['month', 'score'], ['n', 'invited'])
  ]
  const kept = read()
  t.equal(backfill.length, 2, 'one statement per table')
  app.store.db.run(sql`DELETE FROM response_combos`)
  app.store.db.run(sql`DELETE FROM response_combo_scores`)
  for (const statement of backfill) app.store.db.run(sql.raw(statement))
  t.same(read(), kept, 'the same counts per day and attributes, and per month, attributes and score')
})
