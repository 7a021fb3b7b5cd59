import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, answers, createSurvey, seedAnswers } from '../helpers/seed.js'
import { parseCsv } from './csv-parse.js'

// GET /v1/surveys/:id/responses.csv

const TODAY = '2026-03-20T10:00:00Z'

t.test('the export: released answers, folded small groups, safe cells', async t => {
  // In April: with attributes, the export counts complete months (as questions about attributes do).
  const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
  const survey = await createSurvey(app, {
    kind: 'post_case',
    metric: 'csat',
    min_group_size: 5,
    min_comment_group_size: 10
  })
  const hostile = [
    '=HYPERLINK("http://evil.example","click")',
    '+1+1',
    '-2+3',
    '@SUM(A1:A9)',
    '\t=1',
    '\r=1',
    'plain words, and a comma'
  ]
  const data: Answer[] = [
    // Twelve answers of agent ann in one class: comments may show.
    ...Array.from({ length: 12 }, (_, i): Answer => ({
      score: 1 + (i % 5),
      day: '2026-03-02',
      attributes: { agent: 'ann', desk: '=cmd' },
      comment: hostile[i % hostile.length]!
    })),
    ...answers('2026-03-02', [4, 4, 5, 5, 5, 3], { agent: 'bo', desk: '=cmd' }, { comment: 'bo was kind' }),
    { score: 1, day: '2026-03-02', attributes: { agent: 'cy', desk: '=cmd' }, comment: 'cy is the only one' },
    // Today: not released, not exported.
    { score: 5, day: '2026-04-20', attributes: { agent: 'ann' }, comment: 'today' }
  ]
  await seedAnswers(app, survey.id, data)
  const res = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.match(res.headers['content-disposition'], /^attachment; filename=".+\.csv"$/)
  t.ok(res.body.startsWith('\uFEFF'), 'a BOM tells spreadsheets it is UTF-8')
  const [header, ...rows] = parseCsv(res.body.slice(1))
  t.same(header, ['score', 'comment', 'day', 'agent', 'desk'])
  t.equal(rows.length, 19, "every released answer, none of today's")
  t.notOk(res.body.includes('today'))

  const agents = rows.map(r => r[3])
  t.equal(agents.filter(a => a === 'ann').length, 12)
  t.equal(agents.filter(a => a === '(other)').length, 7, 'cy (1) is folded, and bo (6), the next-smallest, with it')
  t.notOk(agents.includes('cy'))
  t.ok(
    rows.every(r => (r[3] === '(other)' ? r[4] === '(other)' : r[4] === "'=cmd")),
    'a folded row shows none of its values; values that look like formulas are neutralised'
  )

  // Every cell that could start a formula carries a leading '.
  for (const cell of rows.flat()) t.notMatch(cell, /^(\s*[=+\-@]|[\t\r])/, JSON.stringify(cell))
  const comments = rows.map(r => r[1]).filter(c => c !== '')
  t.same(
    comments.sort(),
    [
      ...Array.from({ length: 12 }, (_, i) =>
        `'${hostile[i % hostile.length]!}`.replace("'plain", 'plain').replace(/([\t\r])=/, "$1'=")
      )
    ].sort(),
    "ann's class of 12 shows its comments, neutralised; the folded class of 7 shows none"
  )
  t.ok(
    rows.every(r => r[2] === '2026-03-02'),
    "the days of the month's release blocks: one day here"
  )
  const scores = rows.map(r => Number(r[0]))
  t.same(
    scores,
    [...scores].sort((a, b) => a - b),
    'rows by score, never in the order they came in'
  )
})

t.test(
  "the export shows a row's values only where the month shows their cell, " +
    'and drops attributes that would hide most rows',
  async t => {
    const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
    const survey = await createSurvey(app)
    // Every answer has its own case number: shown, it would single each one out.
    let no = 0
    const at = (day: string, site: string, scores: number[]): Answer[] =>
      scores.map(score => ({ score, day, attributes: { site, case: `INC-${no++}` } }))
    await seedAnswers(app, survey.id, [
      ...at('2026-03-02', 'oslo', [9, 9, 9, 9, 9]),
      ...at('2026-03-02', 'bergen', [7, 7, 7, 7, 7]),
      ...at('2026-03-09', 'oslo', [8, 8, 8, 8, 8]),
      ...at('2026-03-09', 'bergen', [6, 6, 6]),
      ...at('2026-03-09', 'tromsø', [0])
    ])
    const [header, ...rows] = parseCsv(
      (await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })).body.slice(1)
    )
    t.same(header, ['score', 'comment', 'day', 'site'], 'the case number is dropped')
    t.equal(rows.length, 19)
    t.ok(
      rows.every(r => r[2] === '2026-03-02/2026-03-09'),
      'the time of a row is its month, as the days of its blocks'
    )
    const sites = rows.map(r => r[3])
    t.same(
      [sites.filter(s => s === 'oslo').length, sites.filter(s => s === '(other)').length],
      [10, 9],
      'tromsø (1) and bergen (8), the next-smallest, are folded'
    )
    const results = async (query: string) =>
      (await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })).json()
    t.match(await results('site=oslo'), { responses: 10, suppressed: false }, 'the API shows the cell the file shows')
    t.match(await results('site=bergen'), { responses: 8, suppressed: true }, 'and hides the ones the file folds')
    const [, ...before] = parseCsv(
      (await api(app, { url: `/v1/surveys/${survey.id}/responses.csv?to=2026-02-28` })).body.slice(1)
    )
    t.same(before, [], 'a period widens to whole months, here none')
  }
)

t.test('an export below the minimum is the header alone', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app)
  await seedAnswers(app, survey.id, answers('2026-03-02', [1, 2, 3]))
  const res = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })
  t.equal(res.body, '\uFEFFscore,comment,day\r\n')
  t.equal((await api(app, { url: '/v1/surveys/srv_nope/responses.csv' })).statusCode, 404)
  const bad = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv?from=03/02/2026` })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].path, 'query.from')
})
