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
  .split('--> statement-breakpoint').find(s => s.includes('INSERT INTO `response_combos`'))!

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
  type Row = { day: string, combo: string, score: number, n: number, invited: number }
  const canonical = (list: Row[]): string[] => {
    const sums = new Map<string, [number, number]>()
    for (const r of list) {
      const attributes = JSON.parse(r.combo) as Record<string, string>
      const key = JSON.stringify([r.day, Object.entries(attributes).sort(), r.score])
      const [n, invited] = sums.get(key) ?? [0, 0]
      sums.set(key, [n + r.n, invited + r.invited])
    }
    return [...sums].map(([key, [n, invited]]) => `${key} ${n} ${invited}`).sort()
  }
  const read = () => rows<Row>(app, `SELECT day, combo, score, n, invited FROM response_combos WHERE survey_id = '${survey.id}'`)
  const kept = read()
  app.store.db.run(sql`DELETE FROM response_combos`)
  app.store.db.run(sql.raw(backfill))
  t.same(canonical(read()), canonical(kept), 'the same counts per day, attributes and score')
})
