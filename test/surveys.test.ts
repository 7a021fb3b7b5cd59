import t from 'tap'
import { api, build, testClock } from './helpers/build.js'

type App = Awaited<ReturnType<typeof build>>

const create = (app: App, payload: object) => api(app, { method: 'POST', url: '/v1/surveys', payload })
async function count (app: App): Promise<number> {
  let n = 0
  let cursor: string | null = null
  do {
    const page: { items: unknown[]; next_cursor: string | null } = (
      await api(app, { url: `/v1/surveys?limit=100${cursor === null ? '' : `&cursor=${cursor}`}` })
    ).json()
    n += page.items.length
    cursor = page.next_cursor
  } while (cursor !== null)
  return n
}

t.test('each kind gets its own defaults (docs/api.md)', async t => {
  const app = await build(t)
  const expected = {
    post_case: {
      metric: 'csat',
      link_ttl_days: 7,
      throttle_days: 14,
      reminder_after_days: 3,
      scale: { min: 1, max: 5 }
    },
    self_service: { metric: 'ces', link_ttl_days: 30, throttle_days: 0, reminder_after_days: null },
    relationship: {
      metric: 'nps',
      link_ttl_days: 21,
      throttle_days: 0,
      reminder_after_days: 7,
      scale: { min: 0, max: 10 }
    }
  }
  for (const [kind, defaults] of Object.entries(expected)) {
    const res = await create(app, { name: `${kind} survey`, kind, team: 'it' })
    t.equal(res.statusCode, 201, kind)
    const survey = res.json()
    t.match(
      survey,
      {
        kind,
        status: 'active',
        default_locale: 'en',
        min_group_size: 5,
        min_comment_group_size: 10,
        closed_at: null,
        ...defaults
      },
      kind
    )
    t.equal(res.headers.location, `/v1/surveys/${survey.id}`)
    t.match(survey.id, /^srv_[A-Za-z0-9_-]{22}$/)
  }
})

t.test('question texts per locale: own texts over the built-in ones', async t => {
  const app = await build(t)
  const res = await create(app, {
    name: 'Payroll NPS',
    kind: 'relationship',
    team: 'payroll',
    default_locale: 'nb',
    question: { de: 'Würden Sie das Lohnbüro weiterempfehlen?' }
  })
  const survey = res.json()
  t.equal(survey.question.de, 'Würden Sie das Lohnbüro weiterempfehlen?')
  t.match(survey.question.en, /recommend our service/)
  t.match(survey.question.nb, /anbefale/)
  t.match(survey.comment_prompt, { en: /add/, de: /ergänzen/, nb: /legge til/ })
  t.equal(survey.default_locale, 'nb')

  const ces = (await create(app, { name: 'Kiosk', kind: 'self_service', team: 'facilities', metric: 'ces' })).json()
  t.same(ces.scale, { min: 1, max: 7 })
  t.match(ces.question, { en: /easy/, de: /einfach/, nb: /enkelt/ })
})

t.test('explicit settings override the kind defaults', async t => {
  const app = await build(t)
  const res = await create(app, {
    name: 'HR case survey',
    kind: 'post_case',
    team: 'hr',
    metric: 'ces',
    link_ttl_days: 10,
    throttle_days: 30,
    reminder_after_days: null,
    min_group_size: 8
  })
  t.equal(res.statusCode, 201)
  t.match(res.json(), {
    metric: 'ces',
    link_ttl_days: 10,
    throttle_days: 30,
    reminder_after_days: null,
    min_group_size: 8,
    min_comment_group_size: 10
  })
  const big = (await create(app, { name: 'Big groups', kind: 'post_case', team: 'hr', min_group_size: 12 })).json()
  t.equal(big.min_comment_group_size, 12, 'comments never need fewer answers than scores')
  const short = (await create(app, { name: 'Short links', kind: 'post_case', team: 'hr', link_ttl_days: 2 })).json()
  t.equal(short.reminder_after_days, null, 'the default reminder is dropped when it would come after expiry')
})

t.test('bad input is a 400 problem naming each field, and creates nothing', async t => {
  const app = await build(t)
  const cases: Array<[object, string[]]> = [
    [{}, ['body.name', 'body.kind', 'body.team']],
    [{ name: 'x', kind: 'weekly', team: 'it' }, ['body.kind']],
    [{ name: 'x', kind: 'post_case', team: 'it', metric: 'stars' }, ['body.metric']],
    [{ name: '  ', kind: 'post_case', team: 'it' }, ['body.name']],
    [{ name: 'x', kind: 'post_case', team: 'it', link_ttl_days: 0 }, ['body.link_ttl_days']],
    [{ name: 'x', kind: 'post_case', team: 'it', min_group_size: 2 }, ['body.min_group_size']],
    [{ name: 'x', kind: 'post_case', team: 'it', default_locale: 'fr' }, ['body.default_locale']],
    [{ name: 'x', kind: 'post_case', team: 'it', question: { fr: 'Bonjour?' } }, ['body.question.fr']],
    [{ name: 'x', kind: 'post_case', team: 'it', question: { en: 42 } }, ['body.question.en']],
    [{ name: 'x', kind: 'post_case', team: 'it', colour: 'red' }, ['body.colour']],
    [
      { name: 'x', kind: 'post_case', team: 'it', link_ttl_days: 5, reminder_after_days: 5 },
      ['body.reminder_after_days']
    ],
    [
      { name: 'x', kind: 'post_case', team: 'it', min_group_size: 10, min_comment_group_size: 5 },
      ['body.min_comment_group_size']
    ]
  ]
  for (const [payload, paths] of cases) {
    const res = await create(app, payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    const body = res.json()
    t.match(body, { type: 'about:blank', title: 'Bad Request', status: 400 })
    t.same(body.errors.map((e: { path: string }) => e.path).sort(), [...paths].sort(), JSON.stringify(payload))
    for (const path of paths) t.match(body.detail, path)
  }
  t.equal(await count(app), 0, 'nothing was stored')
})

t.test('malformed JSON and wrong content types are 4xx problems', async t => {
  const app = await build(t)
  const bad = await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: '{"name": ',
    headers: { 'content-type': 'application/json' }
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.headers['content-type'], /^application\/problem\+json/)
  t.match(bad.json(), { status: 400, detail: /JSON/ })
  const xml = await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: '<survey/>',
    headers: { 'content-type': 'application/xml' }
  })
  t.equal(xml.statusCode, 415)
  t.match(xml.headers['content-type'], /^application\/problem\+json/)
  t.equal(await count(app), 0)
})

t.test('read one survey, and 404 for an unknown one', async t => {
  const app = await build(t)
  const survey = (await create(app, { name: 'IT desk', kind: 'post_case', team: 'it' })).json()
  const res = await api(app, { url: `/v1/surveys/${survey.id}` })
  t.equal(res.statusCode, 200)
  t.same(res.json(), survey)
  const missing = await api(app, { url: '/v1/surveys/srv_nope' })
  t.equal(missing.statusCode, 404)
  t.match(missing.headers['content-type'], /^application\/problem\+json/)
  t.match(missing.json(), { status: 404, code: 'not_found', detail: 'survey srv_nope not found' })
})

t.test('list: filters and cursor pagination visit every survey once', async t => {
  const clock = testClock()
  const app = await build(t, { clock })
  const made: Record<string, string[]> = { it: [], hr: [] }
  for (let i = 0; i < 23; i++) {
    const team = i % 3 === 0 ? 'hr' : 'it'
    // Several surveys share a timestamp, so the id must break ties in the ordering.
    if (i % 4 === 0) clock.advanceDays(1)
    const s = (await create(app, { name: `s${i}`, kind: i % 2 === 0 ? 'post_case' : 'relationship', team })).json()
    made[team]!.push(s.id)
  }
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await api(app, { url: `/v1/surveys?team=it&limit=4${cursor === null ? '' : `&cursor=${cursor}`}` })
    t.equal(res.statusCode, 200)
    const page: { items: Array<{ id: string; team: string; created_at: string }>; next_cursor: string | null } =
      res.json()
    t.ok(page.items.length <= 4)
    t.ok(page.items.every(s => s.team === 'it'))
    seen.push(...page.items.map(s => s.id))
    cursor = page.next_cursor
    pages++
  } while (cursor !== null)
  t.equal(pages, Math.ceil(made.it!.length / 4))
  t.same([...seen].sort(), [...made.it!].sort(), 'each it survey exactly once')
  t.equal(new Set(seen).size, seen.length)

  const first = (await api(app, { url: '/v1/surveys?limit=100' })).json()
  const times = first.items.map((s: { created_at: string }) => s.created_at)
  t.same(times, [...times].sort().reverse(), 'newest first')
  t.equal(first.next_cursor, null)

  const relationship = (await api(app, { url: '/v1/surveys?kind=relationship&team=hr&limit=100' })).json()
  t.ok(relationship.items.length > 0)
  t.ok(relationship.items.every((s: { kind: string; team: string }) => s.kind === 'relationship' && s.team === 'hr'))
})

t.test('list: bad query values are named', async t => {
  const app = await build(t)
  const cases: Array<[string, string]> = [
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['limit=ten', 'query.limit'],
    ['kind=weekly', 'query.kind'],
    ['status=open', 'query.status'],
    ['cursor=not-a-cursor', 'query.cursor']
  ]
  for (const [query, path] of cases) {
    const res = await api(app, { url: `/v1/surveys?${query}` })
    t.equal(res.statusCode, 400, query)
    t.equal(res.json().errors[0].path, path, query)
  }
})

t.test('change and close a survey', async t => {
  const clock = testClock()
  const app = await build(t, { clock })
  const survey = (await create(app, { name: 'IT desk', kind: 'post_case', team: 'it' })).json()
  clock.advanceDays(1)
  const changed = await api(app, {
    method: 'PATCH',
    url: `/v1/surveys/${survey.id}`,
    payload: { name: 'IT service desk', question: { nb: 'Hvor fornøyd var du med IT?' } }
  })
  t.equal(changed.statusCode, 200)
  t.match(changed.json(), {
    name: 'IT service desk',
    question: { nb: 'Hvor fornøyd var du med IT?', en: survey.question.en },
    status: 'active'
  })
  t.not(changed.json().updated_at, survey.updated_at)

  const noop = await api(app, { method: 'PATCH', url: `/v1/surveys/${survey.id}`, payload: {} })
  t.equal(noop.statusCode, 400)
  const kind = await api(app, { method: 'PATCH', url: `/v1/surveys/${survey.id}`, payload: { kind: 'relationship' } })
  t.equal(kind.statusCode, 400, 'the kind cannot change')
  t.equal(kind.json().errors[0].path, 'body.kind')
  const incoherent = await api(app, { method: 'PATCH', url: `/v1/surveys/${survey.id}`, payload: { link_ttl_days: 2 } })
  t.equal(incoherent.statusCode, 400, 'a link lifetime shorter than the reminder delay')
  t.equal(incoherent.json().errors[0].path, 'body.reminder_after_days')
  t.equal(
    (await api(app, { url: `/v1/surveys/${survey.id}` })).json().link_ttl_days,
    7,
    'a refused change changes nothing'
  )

  const closed = await api(app, { method: 'PATCH', url: `/v1/surveys/${survey.id}`, payload: { status: 'closed' } })
  t.equal(closed.statusCode, 200)
  t.match(closed.json(), { status: 'closed', closed_at: clock.now().toISOString() })
  const reopen = await api(app, { method: 'PATCH', url: `/v1/surveys/${survey.id}`, payload: { status: 'active' } })
  t.equal(reopen.statusCode, 409)
  t.match(reopen.json(), { code: 'survey_closed' })
  t.equal((await api(app, { url: '/v1/surveys?status=closed' })).json().items.length, 1)
  t.equal((await api(app, { method: 'PATCH', url: '/v1/surveys/srv_nope', payload: { name: 'x' } })).statusCode, 404)
})
