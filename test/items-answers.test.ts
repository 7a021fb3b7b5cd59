import t, { type Test } from 'tap'
import { purge } from '../src/retention/service.js'
import { api, build, testClock } from './helpers/build.js'
import { count, createSurvey, linkToken, rows, submitJson, type App } from './helpers/puls.js'

// Answers with items: JSON and form posts, every bad value a 400 naming the item with nothing
// stored, items hidden for the score, required items, and what a survey with answers may change.

const ITEMS = [
  { key: 'fcr', type: 'yes_no', required: true },
  { key: 'agent', type: 'rating', question: { en: 'How competent was the agent?' } },
  {
    key: 'channel',
    type: 'choice',
    question: { en: 'How did you reach us?' },
    options: [{ key: 'phone', label: { en: 'Phone' } }, { key: 'mail', label: { en: 'E-mail' } }]
  },
  {
    key: 'reasons',
    type: 'multi_choice',
    show_if: { score_at_most: 3 },
    required: true,
    options: [{ key: 'waiting' }, { key: 'repeat' }, { key: 'other' }]
  },
  { key: 'idea', type: 'text', question: { en: 'One thing we could do better?' } }
]

const stored = (app: App) => rows<{ score: number, comment: string | null, items: string | null, day: string }>(app,
  'SELECT score, comment, items, day FROM responses')
const itemsOf = async (app: App) => (await stored(app)).map(r => r.items === null ? null : JSON.parse(r.items))
const paths = (res: { json: () => any }): string[] => (res.json().errors ?? []).map((e: { path: string }) => e.path)

/** A form post as a browser sends it: repeated fields for the ticked boxes of a multi-choice item. */
function submitFields (app: App, token: string, fields: Array<[string, string]>) {
  return app.inject({
    method: 'POST',
    url: `/s/${token}`,
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'accept-language': 'en' }
  })
}

async function setup (t: Test) {
  const app = await build(t)
  const survey = await createSurvey(app, { items: ITEMS })
  return { app, survey, token: await linkToken(app, survey.id) }
}

t.test('a JSON answer with every item type is stored whole, in one row, with the day only', async t => {
  const { app, token } = await setup(t)
  const res = await submitJson(app, token, {
    score: 2,
    comment: 'Slow',
    items: { fcr: 'no', agent: 4, channel: 'mail', reasons: ['other', 'waiting'], idea: ' Call back \r\nsooner ' }
  })
  t.equal(res.statusCode, 201, res.body)
  t.same(res.json(), { status: 'recorded' })
  const [row] = await stored(app)
  t.match(row, { score: 2, comment: 'Slow', day: /^\d{4}-\d{2}-\d{2}$/ })
  t.same(JSON.parse(row!.items!),
    { fcr: 'no', agent: 4, channel: 'mail', reasons: ['waiting', 'other'], idea: 'Call back \nsooner' },
    'options in the survey\'s order, text normalised as the comment is')
  const again = await submitJson(app, token, { score: 2, items: { fcr: 'no', reasons: ['waiting'] } })
  t.equal(again.statusCode, 409, 'single use as before')
  t.equal(await count(app, 'responses'), 1)
})

t.test('a form answer: items.<key> fields, a multi-choice one per ticked box, empty fields unanswered', async t => {
  const { app, token } = await setup(t)
  const res = await submitFields(app, token, [
    ['score', '3'], ['items.fcr', 'yes'], ['items.agent', '5'],
    ['items.reasons', 'repeat'], ['items.reasons', 'waiting'],
    ['items.idea', ''], ['comment', '']
  ])
  t.equal(res.statusCode, 303, res.body)
  t.same(await itemsOf(app), [{ fcr: 'yes', agent: 5, reasons: ['waiting', 'repeat'] }])
})

t.test('a score-only answer stores no items; optional items may be left out', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  t.equal((await submitJson(app, await linkToken(app, survey.id), { score: 5 })).statusCode, 201)
  t.equal((await submitFields(app, await linkToken(app, survey.id), [['score', '2']])).statusCode, 303)
  t.equal(await count(app, 'responses WHERE items IS NULL'), 2, 'SQL NULL, not "null"')
})

t.test('every bad value is a 400 naming body.items.<key>, nothing is stored and the link still works', async t => {
  const { app, token } = await setup(t)
  const good = { fcr: 'yes', reasons: ['waiting'] }
  const cases: Array<[object, string]> = [
    [{ ...good, fcr: 'maybe' }, 'body.items.fcr'],
    [{ ...good, fcr: 1 }, 'body.items.fcr'],
    [{ ...good, agent: 6 }, 'body.items.agent'],
    [{ ...good, agent: 2.5 }, 'body.items.agent'],
    [{ ...good, agent: 'good' }, 'body.items.agent'],
    [{ ...good, channel: 'fax' }, 'body.items.channel'],
    [{ ...good, channel: ['phone'] }, 'body.items.channel'],
    [{ ...good, reasons: ['waiting', 'bored'] }, 'body.items.reasons'],
    [{ ...good, reasons: ['waiting', 'waiting'] }, 'body.items.reasons'],
    [{ ...good, idea: 'x'.repeat(2001) }, 'body.items.idea'],
    [{ ...good, idea: ['two', 'texts'] }, 'body.items.idea'],
    [{ ...good, colour: 'red' }, 'body.items.colour'],
    [{ ...good, fcr: true }, 'body.items.fcr'],
    [{ reasons: ['waiting'] }, 'body.items.fcr'],
    [{ fcr: 'no' }, 'body.items.reasons']
  ]
  for (const [items, path] of cases) {
    const res = await submitJson(app, token, { score: 2, items })
    t.equal(res.statusCode, 400, `${path}: ${JSON.stringify(items).slice(0, 60)}`)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.ok(paths(res).includes(path), `names ${path}: ${paths(res).join(', ')}`)
  }
  t.equal(await count(app, 'responses'), 0, 'nothing stored')
  t.same(await rows(app, 'SELECT status FROM invitations'), [{ status: 'sent' }], 'the link is not used up')
  const later = await submitJson(app, token, { score: 2, items: good })
  t.equal(later.statusCode, 201, 'the link still takes a good answer')
})

t.test('an item hidden for the score: JSON naming it is refused, a form\'s value for it is dropped', async t => {
  const { app, survey } = await setup(t)
  const json = await linkToken(app, survey.id)
  const res = await submitJson(app, json, { score: 5, items: { fcr: 'yes', reasons: ['waiting'] } })
  t.equal(res.statusCode, 400)
  t.same(res.json().errors, [{ path: 'body.items.reasons', message: 'is not asked for score 5' }])
  t.equal(await count(app, 'responses'), 0)
  t.equal((await submitJson(app, json, { score: 5, items: { fcr: 'yes' } })).statusCode, 201,
    'a required item hidden for the score is not required')

  // The page hides reasons by CSS once 5 is chosen; a box ticked under 2 is still sent.
  const form = await linkToken(app, survey.id)
  const sent = await submitFields(app, form, [['score', '5'], ['items.fcr', 'no'], ['items.reasons', 'waiting']])
  t.equal(sent.statusCode, 303)
  t.same((await itemsOf(app)).sort((a, b) => a.fcr.localeCompare(b.fcr)), [{ fcr: 'no' }, { fcr: 'yes' }],
    'what the respondent could not see is not stored')
})

t.test('a form with a bad or missing item shows the page again: the error at the item, the answers kept', async t => {
  const { app, token } = await setup(t)
  const res = await submitFields(app, token,
    [['score', '2'], ['items.agent', '4'], ['items.idea', 'More staff'], ['comment', 'hm']])
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /text\/html/)
  const html = res.body
  t.match(html, /<fieldset class="item" id="item-fcr" aria-describedby="item-fcr-error">/)
  t.match(html, '<p id="item-fcr-error" class="error">Choose one of the answers.</p>')
  t.match(html, '<a href="#item-fcr-yes">Was your issue solved the first time you contacted us? – ' +
    'Choose one of the answers.</a>')
  t.match(html, '<p id="item-reasons-error" class="error">Choose at least one of the answers.</p>')
  t.match(html, /id="item-agent-4" name="items.agent" value="4" checked>/, 'the rating given is kept')
  t.match(html, />More staff<\/textarea>/)
  t.match(html, /id="score-2" name="score" value="2" required checked>/)
  t.equal(await count(app, 'responses'), 0)
})

t.test('a survey with answers: items added, retired; answered ones keep type, options, show_if', async t => {
  const { app, survey, token } = await setup(t)
  const patch = (items: object[]) => api(app, { method: 'PATCH', url: `/v1/surveys/${survey.id}`, payload: { items } })
  const first = await submitJson(app, token,
    { score: 2, items: { fcr: 'yes', reasons: ['waiting'], channel: 'phone' } })
  t.equal(first.statusCode, 201)

  const conflicts: Array<[object[], string]> = [
    [ITEMS.filter(i => i.key !== 'fcr'), 'body.items.fcr'],
    [ITEMS.map(i => i.key === 'fcr' ? { ...i, type: 'text', question: { en: 'Solved?' } } : i), 'body.items.fcr'],
    [ITEMS.map(i => i.key === 'reasons' ? { ...i, options: [{ key: 'waiting' }, { key: 'other' }] } : i),
      'body.items.reasons'],
    [ITEMS.map(i => i.key === 'reasons' ? { ...i, show_if: { score_at_most: 2 } } : i), 'body.items.reasons'],
    [ITEMS.map(i => i.key === 'channel' ? { ...i, type: 'multi_choice' } : i), 'body.items.channel']
  ]
  for (const [items, path] of conflicts) {
    const res = await patch(items)
    t.equal(res.statusCode, 409, path)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.match(res.json(), { code: 'item_answered', errors: [{ path }] })
  }
  t.same((await api(app, { url: `/v1/surveys/${survey.id}` })).json().items.map((i: any) => i.key),
    ['fcr', 'agent', 'channel', 'reasons', 'idea'], 'unchanged')

  // Unanswered items change freely; answered ones may be reworded, made optional, moved and retired.
  const next = [
    {
      key: 'agent',
      type: 'choice',
      question: { en: 'Agent?' },
      options: [{ key: 'a', label: { en: 'A' } }, { key: 'b', label: { en: 'B' } }]
    },
    { ...ITEMS[0], required: false, question: { en: 'Solved at once?' } },
    { ...ITEMS[2], retired: true },
    ITEMS[3]!,
    { key: 'speed', type: 'rating' }
  ]
  const res = await patch(next)
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json().items.map((i: any) => [i.key, i.type, i.retired]),
    [
      ['agent', 'choice', false], ['fcr', 'yes_no', false], ['channel', 'choice', true],
      ['reasons', 'multi_choice', false], ['speed', 'rating', false]
    ])
  t.same(await itemsOf(app), [{ fcr: 'yes', channel: 'phone', reasons: ['waiting'] }],
    'a retired item keeps its stored answers')

  // The page and the answers follow the new list: the retired item is neither shown nor taken.
  const later = await linkToken(app, survey.id)
  t.notMatch((await app.inject({ url: `/s/${later}` })).body, /item-channel/)
  const retired = await submitJson(app, later, { score: 4, items: { channel: 'phone' } })
  t.equal(retired.statusCode, 400)
  t.ok(paths(retired).includes('body.items.channel'))
  t.equal((await submitJson(app, later, { score: 4, items: { agent: 'b', speed: 3 } })).statusCode, 201)
})

t.test('text items follow the comment: dropped after comment_retain_days, the score and other items stay', async t => {
  const clock = testClock('2026-01-01T10:00:00Z')
  const app = await build(t, { clock })
  const optional = ITEMS.map(i => ({ ...i, required: false }))
  const survey = await createSurvey(app, { items: optional, comment_retain_days: 10 })
  const answer = async (items: object) => {
    const res = await submitJson(app, await linkToken(app, survey.id), { score: 4, comment: 'c', items })
    t.equal(res.statusCode, 201, res.body)
  }
  await answer({ fcr: 'yes', idea: 'Old idea' })
  await answer({ fcr: 'no', agent: 2, idea: 'Another' })
  await answer({ idea: 'Only text' })
  clock.advanceDays(20)
  await answer({ fcr: 'yes', idea: 'New idea' })
  const purged = await purge(app.store, clock.now(), { retainDays: undefined, commentRetainDays: undefined })
  t.match(purged, { comments: 3 })
  const kept = await rows<{ day: string, comment: string | null, items: string | null }>(app,
    'SELECT day, comment, items FROM responses')
  const sorted = (list: object[]) => list.map(x => JSON.stringify(x)).sort()
  // Parsed: PostgreSQL's jsonb spells the stored object with spaces, SQLite as it was written.
  const of = (day: string) => kept.filter(r => r.day === day)
    .map(r => [r.comment, r.items === null ? null : JSON.parse(r.items) as object])
  t.same(sorted(of('2026-01-21')), sorted([['c', { fcr: 'yes', idea: 'New idea' }]]))
  t.same(sorted(of('2026-01-01')), sorted([[null, { fcr: 'yes' }], [null, { fcr: 'no', agent: 2 }], [null, null]]),
    'an answer left with no items holds NULL')
})

t.test('a collector (QR) link takes items too, as JSON and as a form, each answer its own row', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { kind: 'self_service' })
  const res = await api(app,
    { method: 'POST', url: `/v1/surveys/${survey.id}/collectors`, payload: { label: 'Kiosk' } })
  t.equal(res.statusCode, 201, res.body)
  const url: string = res.json().url
  const token = url.slice(url.lastIndexOf('/s/') + 3)
  t.equal((await submitJson(app, token, { score: 5, items: { found: 'yes' } })).statusCode, 201)
  t.equal((await submitFields(app, token, [['score', '2'], ['items.found', 'no']])).statusCode, 303)
  const bad = await submitJson(app, token, { score: 5, items: { found: 'perhaps' } })
  t.equal(bad.statusCode, 400)
  t.ok(paths(bad).includes('body.items.found'))
  t.same((await itemsOf(app)).map(i => i.found).sort(), ['no', 'yes'])
})
