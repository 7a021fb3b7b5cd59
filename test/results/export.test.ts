import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, answers, createSurvey, seedAnswers } from '../helpers/seed.js'

// GET /v1/surveys/:id/responses.csv

/** RFC 4180, enough for the tests: quoted fields with doubled quotes, CRLF rows. */
function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++ } else field += c
  }
  return rows
}

const TODAY = '2026-03-20T10:00:00Z'

t.test('the export: released answers, folded small groups, safe cells', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', min_group_size: 5, min_comment_group_size: 10 })
  const hostile = ['=HYPERLINK("http://evil.example","click")', '+1+1', '-2+3', '@SUM(A1:A9)', '\t=1', '\r=1', 'plain words, and a comma']
  const data: Answer[] = [
    // Twelve answers of agent ann in one class: comments may show.
    ...Array.from({ length: 12 }, (_, i): Answer => ({ score: 1 + (i % 5), day: '2026-03-02', attributes: { agent: 'ann', desk: '=cmd' }, comment: hostile[i % hostile.length]! })),
    ...answers('2026-03-02', [4, 4, 5, 5, 5, 3], { agent: 'bo', desk: '=cmd' }, { comment: 'bo was kind' }),
    { score: 1, day: '2026-03-02', attributes: { agent: 'cy', desk: '=cmd' }, comment: 'cy is the only one' },
    // Today: not released, not exported.
    { score: 5, day: '2026-03-20', attributes: { agent: 'ann' }, comment: 'today' }
  ]
  seedAnswers(app, survey.id, data)
  const res = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.match(res.headers['content-disposition'], /^attachment; filename=".+\.csv"$/)
  t.ok(res.body.startsWith('\uFEFF'), 'a BOM tells spreadsheets it is UTF-8')
  const [header, ...rows] = parseCsv(res.body.slice(1))
  t.same(header, ['score', 'comment', 'day', 'agent', 'desk'])
  t.equal(rows.length, 19, 'every released answer, none of today\'s')
  t.notOk(res.body.includes('today'))

  const agents = rows.map(r => r[3])
  t.equal(agents.filter(a => a === 'ann').length, 12)
  t.equal(agents.filter(a => a === '(other)').length, 7, 'cy (1) is folded, and bo (6), the next-smallest, with it')
  t.notOk(agents.includes('cy'))
  t.ok(rows.every(r => r[4] === "'=cmd"), 'attribute values that look like formulas are neutralised')

  // Every cell that could start a formula carries a leading '.
  for (const cell of rows.flat()) t.notMatch(cell, /^(\s*[=+\-@]|[\t\r])/, JSON.stringify(cell))
  const comments = rows.map(r => r[1]).filter(c => c !== '')
  t.same(comments.sort(), [...Array.from({ length: 12 }, (_, i) => `'${hostile[i % hostile.length]!}`.replace("'plain", 'plain'))].sort(),
    'ann\'s class of 12 shows its comments, neutralised; the folded class of 7 shows none')
  t.ok(rows.every(r => r[2] === '2026-03-02'), 'the day of a one-day release block')
  const scores = rows.map(r => Number(r[0]))
  t.same(scores, [...scores].sort((a, b) => a - b), 'rows by score, never in the order they came in')
})

t.test('the export coarsens time and drops attributes until every row has company', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app)
  // Five days with one answer each per site: a day and a site together would single people out.
  const data: Answer[] = []
  for (const day of ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']) {
    for (const site of ['oslo', 'bergen']) data.push({ score: 7, day, attributes: { site } })
  }
  seedAnswers(app, survey.id, data)
  const [header, ...rows] = parseCsv((await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })).body.slice(1))
  t.same(header, ['score', 'comment', 'day', 'site'])
  const classes = new Map<string, number>()
  for (const r of rows) classes.set(JSON.stringify(r.slice(2)), (classes.get(JSON.stringify(r.slice(2))) ?? 0) + 1)
  t.ok([...classes.values()].every(n => n >= 5), `every class holds five rows: ${JSON.stringify([...classes])}`)
  t.ok(rows.every(r => /^2026-03-0\d\/2026-03-0\d$/.test(r[2]!)), 'the day is an interval of days')
})

t.test('an export below the minimum is the header alone', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app)
  seedAnswers(app, survey.id, answers('2026-03-02', [1, 2, 3]))
  const res = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })
  t.equal(res.body, '\uFEFFscore,comment,day\r\n')
  t.equal((await api(app, { url: '/v1/surveys/srv_nope/responses.csv' })).statusCode, 404)
  const bad = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv?from=03/02/2026` })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].path, 'query.from')
})
