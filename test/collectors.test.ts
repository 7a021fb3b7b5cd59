import t from 'tap'
import { api, build, testClock } from './helpers/build.js'

const PUBLIC_URL = 'https://puls.example.com'
type App = Awaited<ReturnType<typeof build>>

async function survey (app: App, extra: object = {}): Promise<{ id: string }> {
  const res = await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: { name: 'Walk-up desk', kind: 'self_service', team: 'it', default_locale: 'nb', ...extra }
  })
  return res.json()
}

function create (app: App, surveyId: string, payload: object) {
  return api(app, { method: 'POST', url: `/v1/surveys/${surveyId}/collectors`, payload })
}

async function count (app: App, surveyId: string): Promise<number> {
  return (await api(app, { url: `/v1/surveys/${surveyId}/collectors?limit=100` })).json().items.length
}

t.test('create a collector: its URL, defaults and attributes', async t => {
  const clock = testClock()
  const app = await build(t, { clock, env: { PUBLIC_URL } })
  const s = await survey(app)
  const res = await create(app, s.id, {
    label: 'Oslo HQ, floor 3, IT walk-up desk',
    attributes: { location: 'Oslo HQ', floor: '3', service_point: 'IT walk-up desk' }
  })
  t.equal(res.statusCode, 201)
  const c = res.json()
  t.equal(res.headers.location, `/v1/collectors/${c.id}`)
  t.match(c, {
    id: /^col_/,
    survey_id: s.id,
    label: 'Oslo HQ, floor 3, IT walk-up desk',
    locale: 'nb',
    attributes: { location: 'Oslo HQ', floor: '3', service_point: 'IT walk-up desk' },
    status: 'active',
    max_answers_per_hour: 100,
    cooldown_seconds: 60,
    created_at: clock.now().toISOString(),
    closed_at: null
  })
  t.match(
    c.url,
    /^https:\/\/puls\.example\.com\/s\/[A-Za-z0-9_-]{22}$/,
    'a public URL under /s/ with an unguessable token'
  )
  t.same((await api(app, { url: `/v1/collectors/${c.id}` })).json(), c, 'read back as created')

  const kiosk = (
    await create(app, s.id, { label: 'Canteen kiosk', locale: 'de', max_answers_per_hour: 500, cooldown_seconds: 0 })
  ).json()
  t.match(kiosk, { locale: 'de', attributes: {}, max_answers_per_hour: 500, cooldown_seconds: 0 })
  t.not(kiosk.url, c.url, 'each collector has its own URL')
})

t.test('bad input is a 400 naming the field, and stores nothing', async t => {
  const app = await build(t)
  const s = await survey(app)
  const cases: Array<[object, string[]]> = [
    [{}, ['body.label']],
    [{ label: '   ' }, ['body.label']],
    [{ label: 'x'.repeat(201) }, ['body.label']],
    [{ label: 'Desk', locale: 'fr' }, ['body.locale']],
    [{ label: 'Desk', attributes: { Floor: '3' } }, ['body.attributes.Floor']],
    [{ label: 'Desk', attributes: { floor: 3 } }, ['body.attributes.floor']],
    [{ label: 'Desk', attributes: { floor: '' } }, ['body.attributes.floor']],
    [
      { label: 'Desk', attributes: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`a${i}`, 'v'])) },
      ['body.attributes']
    ],
    [{ label: 'Desk', max_answers_per_hour: 0 }, ['body.max_answers_per_hour']],
    [{ label: 'Desk', max_answers_per_hour: 1.5 }, ['body.max_answers_per_hour']],
    [{ label: 'Desk', cooldown_seconds: -1 }, ['body.cooldown_seconds']],
    [{ label: 'Desk', cooldown_seconds: 3601 }, ['body.cooldown_seconds']],
    [{ label: 'Desk', token: 'mine' }, ['body.token']]
  ]
  for (const [payload, paths] of cases) {
    const res = await create(app, s.id, payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.same(
      res.json().errors.map((e: { path: string }) => e.path),
      paths,
      JSON.stringify(payload)
    )
  }
  t.equal(await count(app, s.id), 0, 'nothing was stored')
  const missing = await create(app, 'srv_nope', { label: 'Desk' })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), { code: 'not_found', detail: 'survey srv_nope not found' })
})

t.test('a closed survey refuses new collectors', async t => {
  const app = await build(t)
  const s = await survey(app)
  await api(app, { method: 'PATCH', url: `/v1/surveys/${s.id}`, payload: { status: 'closed' } })
  const res = await create(app, s.id, { label: 'Desk' })
  t.equal(res.statusCode, 409)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { code: 'survey_closed' })
  t.equal(await count(app, s.id), 0)
})

t.test('list per survey: newest first, filter by status, cursor pages', async t => {
  const clock = testClock()
  const app = await build(t, { clock })
  const a = await survey(app)
  const b = await survey(app)
  const made: string[] = []
  for (let i = 0; i < 7; i++) {
    if (i % 3 === 0) clock.advanceDays(1)
    made.push((await create(app, a.id, { label: `Floor ${i}` })).json().id)
  }
  await create(app, b.id, { label: 'Elsewhere' })
  await api(app, { method: 'PATCH', url: `/v1/collectors/${made[0]}`, payload: { status: 'closed' } })

  const seen: string[] = []
  const times: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await api(app, {
      url: `/v1/surveys/${a.id}/collectors?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`
    })
    t.equal(res.statusCode, 200)
    const page: { items: Array<{ id: string; survey_id: string; created_at: string }>; next_cursor: string | null } =
      res.json()
    t.ok(
      page.items.every(c => c.survey_id === a.id),
      "only this survey's collectors"
    )
    seen.push(...page.items.map(c => c.id))
    times.push(...page.items.map(c => c.created_at))
    cursor = page.next_cursor
    pages++
  } while (cursor !== null && pages < 10)
  t.equal(pages, 3)
  t.same([...seen].sort(), [...made].sort(), 'each collector of the survey')
  t.equal(new Set(seen).size, seen.length, 'each exactly once, though several share a timestamp')
  t.same(times, [...times].sort().reverse(), 'newest first')

  const active = (await api(app, { url: `/v1/surveys/${a.id}/collectors?status=active` })).json()
  t.equal(active.items.length, 6)
  const closed = (await api(app, { url: `/v1/surveys/${a.id}/collectors?status=closed` })).json()
  t.same(
    closed.items.map((c: { id: string }) => c.id),
    [made[0]]
  )

  t.equal((await api(app, { url: '/v1/surveys/srv_nope/collectors' })).statusCode, 404)
  const bad = await api(app, { url: `/v1/surveys/${a.id}/collectors?cursor=nope` })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].path, 'query.cursor')
})

t.test('relabel, retune and close; closing is final', async t => {
  const clock = testClock()
  const app = await build(t, { clock })
  const s = await survey(app)
  const c = (await create(app, s.id, { label: 'Floor 3', attributes: { floor: '3' } })).json()
  clock.advanceDays(1)
  const changed = await api(app, {
    method: 'PATCH',
    url: `/v1/collectors/${c.id}`,
    payload: { label: 'Floor 3, east wing', locale: 'en', max_answers_per_hour: 20, cooldown_seconds: 0 }
  })
  t.equal(changed.statusCode, 200)
  t.match(changed.json(), {
    label: 'Floor 3, east wing',
    locale: 'en',
    max_answers_per_hour: 20,
    cooldown_seconds: 0,
    url: c.url,
    updated_at: clock.now().toISOString()
  })

  for (const [payload, path] of [
    [{}, 'body'],
    [{ attributes: { floor: '4' } }, 'body.attributes'],
    [{ status: 'active' }, 'body.status'],
    [{ label: '' }, 'body.label']
  ] as const) {
    const res = await api(app, { method: 'PATCH', url: `/v1/collectors/${c.id}`, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().errors[0].path, path, JSON.stringify(payload))
  }
  t.equal(
    (await api(app, { url: `/v1/collectors/${c.id}` })).json().label,
    'Floor 3, east wing',
    'a refused change changes nothing'
  )

  const closed = await api(app, { method: 'PATCH', url: `/v1/collectors/${c.id}`, payload: { status: 'closed' } })
  t.equal(closed.statusCode, 200)
  t.match(closed.json(), { status: 'closed', closed_at: clock.now().toISOString() })
  const again = await api(app, { method: 'PATCH', url: `/v1/collectors/${c.id}`, payload: { label: 'x' } })
  t.equal(again.statusCode, 409)
  t.match(again.json(), { code: 'collector_closed' })
  t.equal(
    (await api(app, { method: 'PATCH', url: '/v1/collectors/col_nope', payload: { label: 'x' } })).statusCode,
    404
  )
  t.equal((await api(app, { url: '/v1/collectors/col_nope' })).statusCode, 404)
})

t.test("a closed survey's collectors can only be closed", async t => {
  const app = await build(t)
  const s = await survey(app)
  const c = (await create(app, s.id, { label: 'Floor 3' })).json()
  await api(app, { method: 'PATCH', url: `/v1/surveys/${s.id}`, payload: { status: 'closed' } })
  const relabel = await api(app, { method: 'PATCH', url: `/v1/collectors/${c.id}`, payload: { label: 'Floor 4' } })
  t.equal(relabel.statusCode, 409)
  t.match(relabel.json(), { code: 'survey_closed' })
  const close = await api(app, { method: 'PATCH', url: `/v1/collectors/${c.id}`, payload: { status: 'closed' } })
  t.equal(close.statusCode, 200)
})

t.test('collector routes need an API key', async t => {
  const app = await build(t)
  const s = await survey(app)
  const c = (await create(app, s.id, { label: 'Floor 3' })).json()
  for (const url of [
    `/v1/collectors/${c.id}`,
    `/v1/collectors/${c.id}/qr`,
    `/v1/collectors/${c.id}/poster`,
    `/v1/surveys/${s.id}/collectors`
  ]) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 401, url)
  }
})
