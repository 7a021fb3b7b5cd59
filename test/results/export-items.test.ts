import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'
import { parseCsv } from './csv-parse.js'

// The CSV export's item columns (docs/results.md, "CSV export"): one per item, a multi-choice one
// per option, under the rules of the results API: a yes/no answer is a class like an attribute,
// a rating shows where its class shows the item's result, an item answered by few is hidden in
// every row, text answers never leave.

const ITEMS = [
  { key: 'fcr', type: 'yes_no' },
  { key: 'speed', type: 'rating' },
  { key: 'reasons', type: 'multi_choice', options: [{ key: 'waiting' }, { key: 'repeat' }] },
  { key: 'idea', type: 'text', question: { en: 'One idea?' } }
]

/**
 * 20 answers on four days in March (blocks of five): `no` of them not solved at first contact;
 * 3 give reasons; all rate speed.
 */
function march (no: number): Answer[] {
  return Array.from({ length: 20 }, (_, i) => ({
    score: 1 + (i % 5),
    day: `2026-03-0${2 + (i % 4)}`,
    comment: null,
    items: {
      fcr: i < no ? 'no' : 'yes',
      speed: 1 + ((i * 3) % 5),
      ...(i < 3 ? { reasons: i === 0 ? ['waiting', 'repeat'] : ['waiting'] } : {}),
      idea: `IDEA-${i}`
    }
  }))
}

async function exportOf (no: number, extra: Answer[] = []): Promise<{ header: string[], rows: string[][] }> {
  const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', items: ITEMS })
  await seedAnswers(app, survey.id, [...march(no), ...extra])
  const res = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })
  t.equal(res.statusCode, 200)
  t.notMatch(res.body, /IDEA-/, 'text answers never leave')
  const [header, ...rows] = parseCsv(res.body.replace(/^\uFEFF/, ''))
  return { header: header!, rows }
}

const column = (e: { header: string[], rows: string[][] }, name: string): string[] =>
  e.rows.map(r => r[e.header.indexOf(name)]!)
const tally = (values: string[]): Record<string, number> =>
  values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {})

t.test('a column per item, per option for multi-choice, none for text; classes as the API shows', async t => {
  const e = await exportOf(8, [{ score: 5, day: '2026-04-02', items: { fcr: 'no' } }])
  t.same(e.header, ['score', 'comment', 'day', 'item.fcr', 'item.speed', 'item.reasons.waiting', 'item.reasons.repeat'])
  t.equal(e.rows.length, 20, 'March only: April is not a complete month')
  t.same(tally(column(e, 'day')), { '2026-03-02/2026-03-05': 20 }, 'the month\'s blocks')
  t.same(tally(column(e, 'item.fcr')), { no: 8, yes: 12 }, 'classes of 8 and 12: both shown')
  t.same(tally(column(e, 'item.speed')), { 1: 4, 2: 4, 3: 4, 4: 4, 5: 4 }, 'the rating shows in both classes')
  t.same(tally(column(e, 'item.reasons.waiting')), { '(hidden)': 20 }, 'three gave reasons: hidden in every row')
  t.same(tally(column(e, 'item.reasons.repeat')), { '(hidden)': 20 })
  // Rows are ordered by score and random id, never by arrival: the fcr value does not follow the day.
  const byScore = e.rows.map(r => Number(r[0]))
  t.same(byScore, [...byScore].sort((a, b) => a - b))
})

t.test('a small yes/no class folds: no row tells which scores the few gave', async t => {
  const e = await exportOf(3)
  t.same(tally(column(e, 'item.fcr')), { '(other)': 20 },
    'three "no" would be a class below the minimum: the column folds, as group_by=item.fcr hides it')
  t.equal(column(e, 'item.speed').filter(v => v === '(hidden)').length, 0, 'the month\'s ratings still show')
})
