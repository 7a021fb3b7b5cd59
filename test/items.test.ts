import { readFileSync } from 'node:fs'
import t from 'tap'
import { BUILT_IN_ITEMS } from '../src/surveys/default-items.js'
import { api, build } from './helpers/build.js'
import { createSurvey, type App } from './helpers/puls.js'

// A survey's items: definitions through the API, defaults per kind, and the rules on a change.

const create = (app: App, payload: object) =>
  api(app, {
    method: 'POST', url: '/v1/surveys', payload: { name: 'IT desk', kind: 'post_case', team: 'it', ...payload }
  })
const patch = (app: App, id: string, payload: object) =>
  api(app, { method: 'PATCH', url: `/v1/surveys/${id}`, payload })
const paths = (res: { json: () => any }): string[] => (res.json().errors ?? []).map((e: { path: string }) => e.path)

const ALL_TYPES = [
  { key: 'fcr', type: 'yes_no', required: true },
  { key: 'agent', type: 'rating', question: { en: 'How competent was the agent?' } },
  {
    key: 'channel',
    type: 'choice',
    question: { en: 'How did you reach us?', de: 'Wie haben Sie uns erreicht?' },
    options: [
      { key: 'phone', label: { en: 'Phone', de: 'Telefon', nb: 'Telefon' } }, { key: 'mail', label: { en: 'E-mail' } }
    ]
  },
  {
    key: 'reasons', type: 'multi_choice', show_if: { score_at_most: 3 }, options: [{ key: 'waiting' }, { key: 'other' }]
  },
  { key: 'idea', type: 'text', question: { nb: 'Hva kan vi gjøre bedre?' } }
]

t.test('defaults per kind: FCR and reasons after a low score, drivers, found', async t => {
  const app = await build(t)
  const post = await createSurvey(app)
  const items = post.items as any[]
  t.same(items.map(i => [i.key, i.type, i.required, i.show_if, i.retired]),
    [['fcr', 'yes_no', false, null, false], ['reasons', 'multi_choice', false, { score_at_most: 3 }, false]])
  t.match(items[0].question, { en: /solved the first time/, de: /ersten Kontakt/, nb: /første gang/ })
  t.same(items[1].options.map((o: any) => o.key), ['waiting', 'repeat', 'not_solved', 'unfriendly', 'other'])
  t.match(items[1].options[1].label,
    { en: /explain my issue more than once/, de: /mehrmals erklären/, nb: /flere ganger/ })
  for (const option of items[1].options) {
    t.ok(option.label.en !== '' && option.label.de !== '' && option.label.nb !== '', option.key)
  }

  const npsCase = await createSurvey(app, { metric: 'nps' })
  t.same((npsCase.items as any[])[1].show_if, { score_at_most: 6 }, 'reasons follow the metric: detractors on NPS')
  const cesCase = await createSurvey(app, { metric: 'ces' })
  t.same((cesCase.items as any[])[1].show_if, { score_at_most: 4 })

  const relationship = await createSurvey(app, { kind: 'relationship' })
  t.same((relationship.items as any[]).map(i => [i.key, i.type]),
    [['competence', 'rating'], ['speed', 'rating'], ['information', 'rating']])
  t.match((relationship.items as any[])[2].question, { en: /informed/, de: /Laufenden/, nb: /orientert/ })
  const selfService = await createSurvey(app, { kind: 'self_service' })
  t.match(selfService.items,
    [{ key: 'found', type: 'yes_no', question: { en: 'Did you find what you needed?', de: /gefunden/, nb: /Fant/ } }])

  const none = await createSurvey(app, { items: [] })
  t.same(none.items, [], 'items: [] asks the score and the comment only')
})

t.test('docs/api.md shows every built-in item text in en, de and nb, as the page asks it', async t => {
  const docs = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8')
  const row = (key: string, texts: Record<string, string>): string =>
    `| ${key} | ${texts.en} | ${texts.de} | ${texts.nb} |`
  for (const [key, item] of Object.entries(BUILT_IN_ITEMS)) {
    t.ok(docs.includes(row(`\`${key}\``, item.question)), `${key}: its question in three locales`)
    for (const [option, label] of Object.entries(item.options ?? {})) {
      t.ok(docs.includes(row(`· \`${option}\``, label)), `${key}.${option}: its label in three locales`)
    }
  }
})

t.test('each item type is defined, stored and read back; texts left out are filled in', async t => {
  const app = await build(t)
  const res = await create(app, { default_locale: 'de', items: ALL_TYPES })
  t.equal(res.statusCode, 201, res.body)
  const survey = res.json()
  const read = (await api(app, { url: `/v1/surveys/${survey.id}` })).json()
  t.same(read.items, survey.items)
  const [fcr, agent, channel, reasons, idea] = read.items
  t.match(fcr, { key: 'fcr', type: 'yes_no', required: true, question: { de: /ersten Kontakt/ } },
    'a built-in key brings its texts')
  const competent = 'How competent was the agent?'
  t.same(agent.question, { en: competent, de: competent, nb: competent })
  const reach = 'Wie haben Sie uns erreicht?'
  t.same(channel.question, { en: 'How did you reach us?', de: reach, nb: reach },
    'a missing locale takes the survey\'s default locale')
  t.same(channel.options[1], { key: 'mail', label: { en: 'E-mail', de: 'E-mail', nb: 'E-mail' } })
  t.match(reasons.options,
    [
      { key: 'waiting', label: { en: 'Waiting time', nb: 'Ventetid' } },
      { key: 'other', label: { de: 'Etwas anderes' } }
    ])
  t.same(reasons.show_if, { score_at_most: 3 })
  t.same(idea.question.en, 'Hva kan vi gjøre bedre?')
  t.equal(idea.required, false)
  t.notOk('options' in idea)
})

t.test('bad item definitions are a 400 naming the field, and create nothing', async t => {
  const app = await build(t)
  const options = [{ key: 'a', label: { en: 'A' } }, { key: 'b', label: { en: 'B' } }]
  const q = { en: 'Q?' }
  const thirteen = Array.from({ length: 13 }, (_, i) => ({ key: `o${i}`, label: q }))
  const cases: Array<[unknown, string]> = [
    [[{ key: 'Bad Key', type: 'yes_no', question: q }], 'body.items[0].key'],
    [[{ key: 'x', type: 'slider', question: q }], 'body.items[0].type'],
    [[{ key: 'x', type: 'yes_no', question: q, colour: 'red' }], 'body.items[0]'],
    [[{ key: 'x', type: 'yes_no' }], 'body.items[0].question'],
    [[{ key: 'x', type: 'yes_no', question: { fr: 'Q?' } }], 'body.items[0].question'],
    [[{ key: 'x', type: 'yes_no', question: q }, { key: 'x', type: 'text', question: q }], 'body.items[1].key'],
    [[{ key: 'score', type: 'rating', question: q }], 'body.items[0].key'],
    [[{ key: 'x', type: 'choice', question: q }], 'body.items[0].options'],
    [[{ key: 'x', type: 'choice', question: q, options: [options[0]] }], 'body.items[0].options'],
    [[{ key: 'x', type: 'multi_choice', question: q, options: thirteen }], 'body.items[0].options'],
    [[{ key: 'x', type: 'choice', question: q, options: [options[0], options[0]] }], 'body.items[0].options[1].key'],
    [[{ key: 'x', type: 'choice', question: q, options: [options[0], { key: 'c' }] }],
      'body.items[0].options[1].label'],
    [[{ key: 'x', type: 'rating', question: q, options }], 'body.items[0].options'],
    [[{ key: 'x', type: 'text', question: q, show_if: { score_at_most: 7 } }], 'body.items[0].show_if.score_at_most'],
    [[{ key: 'x', type: 'text', question: q, show_if: { score_at_least: 0 } }], 'body.items[0].show_if.score_at_least'],
    [[{ key: 'x', type: 'text', question: q, show_if: { scores: [1, 9] } }], 'body.items[0].show_if.scores[1]'],
    [[{ key: 'x', type: 'text', question: q, show_if: { scores: [2, 2] } }], 'body.items[0].show_if.scores'],
    [[{ key: 'x', type: 'text', question: q, show_if: { score_at_least: 4, score_at_most: 2 } }],
      'body.items[0].show_if'],
    [[{ key: 'x', type: 'text', question: q, show_if: {} }], 'body.items[0].show_if'],
    [Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, type: 'yes_no', question: q })), 'body.items']
  ]
  for (const [items, path] of cases) {
    const res = await create(app, { items })
    t.equal(res.statusCode, 400, `${path}: ${JSON.stringify(items).slice(0, 80)}`)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    const named = paths(res).some(p => p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`))
    t.ok(named, `names ${path}: ${paths(res).join(', ')}`)
  }
  t.equal((await api(app, { url: '/v1/surveys' })).json().items.length, 0, 'nothing was created')

  // show_if is checked against the survey's own scale: NPS 0–10 takes what CSAT 1–5 refuses.
  const nps = await create(app,
    { kind: 'relationship', items: [{ key: 'why', type: 'text', question: q, show_if: { scores: [0, 9, 10] } }] })
  t.equal(nps.statusCode, 201, nps.body)
  t.same(nps.json().items[0].show_if, { scores: [0, 9, 10] })
  const unordered = await create(app,
    { items: [{ key: 'why', type: 'text', question: q, show_if: { scores: [3, 1, 2] } }] })
  t.same(unordered.json().items[0].show_if, { scores: [1, 2, 3] }, 'a set of scores is kept in order')
  const ces = await create(app,
    { metric: 'ces', items: [{ key: 'why', type: 'text', question: q, show_if: { score_at_least: 6 } }] })
  t.equal(ces.statusCode, 201, ces.body)
  // Ten asked and more retired is fine.
  const many = Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, type: 'yes_no', question: q, retired: i < 2 }))
  t.equal((await create(app, { items: many })).statusCode, 201)
})

t.test('a survey without answers changes its items freely', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const xy = [{ key: 'x', label: { en: 'X' } }, { key: 'y', label: { en: 'Y' } }]
  const why = { en: 'Why?' }
  const res = await patch(app, survey.id, { items: [{ key: 'reasons', type: 'choice', question: why, options: xy }] })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json().items.map((i: any) => [i.key, i.type]), [['reasons', 'choice']])
  const bad = await patch(app, survey.id,
    { items: [{ key: 'reasons', type: 'choice', question: { en: 'Why?' }, options: [] }] })
  t.equal(bad.statusCode, 400)
  t.ok(paths(bad).includes('body.items[0].options'))
  const after = (await api(app, { url: `/v1/surveys/${survey.id}` })).json()
  t.same(after.items.map((i: any) => i.type), ['choice'], 'unchanged by the bad request')
})
