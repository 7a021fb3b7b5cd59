import t from 'tap'
import { api, build, testClock } from './helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from './helpers/seed.js'

// A finding of a security probe: spreadsheets in de and nb locales split CSV on `;` (some on tab),
// so a field such as `ok;=2+3` put `=2+3` at the start of a cell. Every field holding a separator
// of any common locale is quoted, and a formula start after any separator inside a field is
// neutralised as at its start.

const HOSTILE = [
  'ok;=2+3',
  'a\t@SUM(A1:A9)',
  'b;+1+1',
  'c; -2+3',
  'd\n=HYPERLINK("http://evil.example")',
  'e,=1',
  'f;g'
]

t.test('responses.csv: separators of every common locale are quoted, formulas neutralised after them', async t => {
  const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
  const survey = await createSurvey(app, {
    kind: 'post_case',
    metric: 'csat',
    min_group_size: 5,
    min_comment_group_size: 5
  })
  const data: Answer[] = Array.from({ length: 14 }, (_, i): Answer => ({
    score: 1 + (i % 5),
    day: '2026-03-02',
    attributes: { desk: 'x;=cmd' },
    comment: HOSTILE[i % HOSTILE.length]!
  }))
  await seedAnswers(app, survey.id, data)
  const res = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })
  t.equal(res.statusCode, 200)
  const body = res.body.slice(1)
  t.match(
    body,
    /\r\n\d,"ok;'=2\+3",2026-03-02,"x;'=cmd"\r\n/,
    'a field with ; is quoted, and =… after it neutralised'
  )
  t.match(body, /"f;g"/, 'a ; alone is quoted too')
  t.match(body, /"a\t'@SUM/, 'a tab is a separator too')
  // A spreadsheet that splits on any common separator, even one that ignores quotes, starts no cell with a formula.
  for (const cell of body.split(/[,;\t\r\n]/)) {
    t.notMatch(cell.replace(/^"+/, ''), /^\s*[=+\-@]/, JSON.stringify(cell))
  }
})

t.test(
  'answers stored before names like constructor were refused: no 500, no function source in the export',
  async t => {
    const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
    const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', min_group_size: 3 })
    await seedAnswers(app, survey.id, [
      ...Array.from({ length: 6 }, (_, i): Answer => ({
        score: 1 + (i % 5),
        day: '2026-03-02',
        attributes: { constructor: 'x', desk: 'a' }
      })),
      ...Array.from({ length: 6 }, (_, i): Answer => ({
        score: 1 + (i % 5),
        day: '2026-03-03',
        attributes: { desk: 'a' }
      }))
    ])
    for (const url of [
      `/v1/surveys/${survey.id}/responses.csv`,
      `/v1/surveys/${survey.id}/results?desk=a`,
      `/v1/surveys/${survey.id}/results?group_by=desk`,
      `/v1/surveys/${survey.id}/report`
    ]) {
      const res = await api(app, { url })
      t.equal(res.statusCode, 200, url)
      t.notMatch(res.body, /function Object|native code/, url)
    }
  }
)
