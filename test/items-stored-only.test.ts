import t from 'tap'
import { api, build, testClock } from './helpers/build.js'
import { createSurvey, linkToken, submitJson } from './helpers/puls.js'

// Item answers are stored, and the results API, the report and the CSV export show them under
// their rules (docs/results.md, "Items"; test/results/items.test.ts, report-items.test.ts,
// export-items.test.ts); a text answer is never shown by any of them.

t.test('the results API, the report and the CSV show item results, never a text answer', async t => {
  const clock = testClock('2026-03-02T10:00:00Z')
  const app = await build(t, { clock })
  const items = [
    { key: 'fcr', type: 'yes_no' },
    {
      key: 'reasons',
      type: 'multi_choice',
      show_if: { score_at_most: 3 },
      options: [{ key: 'waiting' }, { key: 'other' }]
    },
    { key: 'idea', type: 'text', question: { en: 'One idea?' } }
  ]
  const survey = await createSurvey(app, { items })
  for (let i = 0; i < 12; i++) {
    const score = 1 + (i % 5)
    const answer = {
      score,
      comment: `comment ${i}`,
      items: { fcr: i % 2 === 0 ? 'yes' : 'no', idea: `IDEA-${i}`, ...(score <= 3 ? { reasons: ['waiting'] } : {}) }
    }
    const res = await submitJson(app, await linkToken(app, survey.id), answer)
    t.equal(res.statusCode, 201, res.body)
  }
  clock.set('2026-04-20T10:00:00Z')

  const csv = await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })
  t.equal(csv.statusCode, 200)
  t.match(csv.body, /^\uFEFFscore,comment,day,item\.fcr,item\.reasons\.waiting,item\.reasons\.other\r\n/,
    'a column per item, per option for multi-choice, none for text')
  t.equal((csv.body.match(/,(yes|no),/g) ?? []).length, 12, 'twelve rows, in two classes of six by their FCR answer')
  t.equal((csv.body.match(/comment \d+/g) ?? []).length, 0, 'classes of six: below the ten comments need')
  const urls = [
    `/v1/surveys/${survey.id}/results?from=2026-03-01&to=2026-03-31`,
    `/v1/surveys/${survey.id}/results`,
    '/v1/results?team=it&metric=csat',
    `/v1/surveys/${survey.id}/report`
  ]
  const outputs = [csv.body]
  for (const url of urls) {
    const res = await api(app, { url })
    t.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`)
    outputs.push(res.body)
  }
  t.match(outputs[1], /"responses":12,/, 'the month\'s twelve answers are counted')
  for (const body of outputs.slice(1, 4)) {
    t.match(JSON.parse(body).items, {
      fcr: { answered: 12, yes_no: { yes: 6, no: 6, percent: 50 } },
      reasons: { answered: 8, options: [{ key: 'waiting', count: 8 }, { key: 'other', count: 0 }] },
      idea: { answered: 12 }
    }, 'item results')
    t.notMatch(body, /IDEA-/, 'never a text answer')
  }
  t.notMatch(outputs[0]!, /IDEA-/, 'never a text answer')
  t.match(outputs[4]!, /<section data-item="fcr">[^]*Yes: 50 %/, 'the report\'s FCR section')
  t.notMatch(outputs[4]!, /IDEA-/, 'never a text answer')
})
