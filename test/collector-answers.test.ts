import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { api, build, testClock } from './helpers/build.js'
import { count, createSurvey, linkToken, rows, submitForm, submitJson, type App } from './helpers/puls.js'

// Answers through a collector's URL (a QR code on a wall), end to end over HTTP.

const ATTRIBUTES = { location: 'Oslo HQ', floor: '3', service_point: 'IT walk-up desk' }

interface Collector {
  id: string
  url: string
  survey_id: string
}

async function collector (app: App, body: object = {}, survey: object = {}): Promise<Collector & { token: string }> {
  const s = await createSurvey(app, {
    kind: 'self_service',
    question: { nb: 'Hvor fornøyd er du med IT-skranken?', de: 'Wie zufrieden sind Sie mit dem IT-Schalter?' },
    ...survey
  })
  const res = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${s.id}/collectors`,
    payload: { label: 'Oslo HQ, floor 3', locale: 'nb', attributes: ATTRIBUTES, ...body }
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  const c: Collector = res.json()
  return { ...c, token: c.url.slice(c.url.lastIndexOf('/s/') + 3) }
}

const responses = (app: App) =>
  rows<{ id: string; score: number; locale: string; channel: string; attributes: string }>(
    app,
    'SELECT * FROM responses'
  )
const cookieOf = (res: LightMyRequestResponse) => res.cookies.find(c => c.name === 'puls_cooldown')

t.test("one URL, the same page, many answers: each carries the collector's attributes and channel", async t => {
  const app = await build(t)
  const c = await collector(app)

  const page = await app.inject({ url: `/s/${c.token}` })
  t.equal(page.statusCode, 200)
  t.match(page.body, '<html lang="nb">', "no Accept-Language: the collector's locale")
  t.match(page.body, 'Hvor fornøyd er du med IT-skranken?')
  const german = await app.inject({ url: `/s/${c.token}`, headers: { 'accept-language': 'de-DE,de;q=0.9' } })
  t.match(german.body, '<html lang="de">', 'a phone that asks for German gets German')
  t.match(german.body, 'Wie zufrieden sind Sie mit dem IT-Schalter?')
  t.equal(await count(app, 'responses'), 0, 'opening the page records nothing')

  // Three people scan the poster; each browser is new to us, so no cooldown applies.
  for (const score of ['5', '4', '2']) {
    const res = await submitForm(app, c.token, { score, comment: '' })
    t.equal(res.statusCode, 303, `score ${score}`)
    t.equal(res.headers.location, `${c.token}/thanks`)
  }
  const thanks = await app.inject({ url: `/s/${c.token}/thanks` })
  t.equal(thanks.statusCode, 200)
  t.match(thanks.body, 'Takk!')
  const json = await submitJson(app, c.token, { score: 3 }, { headers: { 'accept-language': 'de' } })
  t.equal(json.statusCode, 201)
  t.same(json.json(), { status: 'recorded' })

  const stored = await responses(app)
  t.equal(stored.length, 4)
  t.same(stored.map(r => r.score).sort(), [2, 3, 4, 5])
  t.ok(
    stored.every(r => r.channel === 'collector'),
    'channel collector'
  )
  // Compared as objects: PostgreSQL's jsonb keeps the values, not the order of the keys.
  const attributes = stored.map(r => JSON.parse(r.attributes))
  t.same(attributes, stored.map(() => ATTRIBUTES), "the collector's attributes on every answer")
  t.same(stored.map(r => r.locale).sort(), ['de', 'nb', 'nb', 'nb'])
  const everything = JSON.stringify(await rows(app, 'SELECT * FROM responses'))
  t.notMatch(everything, c.token, 'no response holds the token')
  t.notMatch(everything, c.id, "nor the collector's id: only its attributes, like any answer")
  t.equal(await count(app, 'invitations'), 0, 'no invitation was made for them')
})

t.test('a closed collector or a closed survey answers a friendly 410 page and stores nothing', async t => {
  const app = await build(t)
  const c = await collector(app)
  await api(app, { method: 'PATCH', url: `/v1/collectors/${c.id}`, payload: { status: 'closed' } })
  const page = await app.inject({ url: `/s/${c.token}` })
  t.equal(page.statusCode, 410)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, 'Koden er ikke lenger i bruk', "in the collector's language")
  const post = await submitForm(app, c.token, { score: '5' }, { 'accept-language': 'en' })
  t.equal(post.statusCode, 410)
  t.match(post.body, 'This code is no longer in use')
  const json = await submitJson(app, c.token, { score: 5 }, { headers: { accept: 'application/json' } })
  t.equal(json.statusCode, 410)
  t.match(json.json(), { code: 'collector_closed' })

  const d = await collector(app)
  await api(app, { method: 'PATCH', url: `/v1/surveys/${d.survey_id}`, payload: { status: 'closed' } })
  const closed = await submitForm(app, d.token, { score: '5' }, { 'accept-language': 'de' })
  t.equal(closed.statusCode, 410)
  t.match(closed.body, 'Diese Umfrage ist beendet')
  t.equal(await count(app, 'responses'), 0)
  t.equal((await app.inject({ url: '/s/AAAAAAAAAAAAAAAAAAAAAA' })).statusCode, 404, 'an unknown token is still 404')
})

t.test('cooldown: one browser waits between answers, by a signed cookie that holds only its expiry', async t => {
  const clock = testClock()
  const app = await build(t, { clock, env: { PUBLIC_URL: 'https://puls.example.com/feedback' } })
  const c = await collector(app, { cooldown_seconds: 90 })

  const first = await submitForm(app, c.token, { score: '5' })
  t.equal(first.statusCode, 303)
  const cookie = cookieOf(first)
  t.ok(cookie, 'a cooldown cookie')
  t.match(
    cookie,
    { path: `/feedback/s/${c.token}`, httpOnly: true, sameSite: 'Strict', secure: true, maxAge: 90 },
    "scoped to this collector's public path"
  )
  const [value, signature] = cookie!.value.split('.')
  t.equal(value, String(clock.now().getTime() + 90_000), 'the value is the time the wait ends, nothing else')
  t.match(signature, /^[A-Za-z0-9+/_-]{20,}$/, 'signed')

  const again = await submitForm(
    app,
    c.token,
    { score: '1' },
    { cookie: `puls_cooldown=${cookie!.value}`, 'accept-language': 'en' }
  )
  t.equal(again.statusCode, 429)
  t.match(again.headers['content-type'], /^text\/html/)
  t.match(again.body, 'You have just answered')
  t.equal(again.headers['retry-after'], '90')
  const json = await submitJson(app, c.token, { score: 1 }, { headers: { cookie: `puls_cooldown=${cookie!.value}` } })
  t.equal(json.statusCode, 429)
  t.match(json.headers['content-type'], /^application\/problem\+json/)
  t.match(json.json(), { status: 429, code: 'cooldown' })
  t.equal(await count(app, 'responses'), 1, 'nothing stored during the cooldown')

  // A forged expiry without the server's signature is ignored, not trusted.
  const forged = await submitJson(
    app,
    c.token,
    { score: 2 },
    { headers: { cookie: `puls_cooldown=${clock.now().getTime() + 999_000}.forged` } }
  )
  t.equal(forged.statusCode, 201)

  clock.set(new Date(clock.now().getTime() + 91_000).toISOString())
  const later = await submitForm(app, c.token, { score: '4' }, { cookie: `puls_cooldown=${cookie!.value}` })
  t.equal(later.statusCode, 303, 'after the cooldown the same browser answers again')
  t.equal(await count(app, 'responses'), 3)

  const kiosk = await collector(app, { cooldown_seconds: 0 })
  const k1 = await submitForm(app, kiosk.token, { score: '5' })
  t.equal(cookieOf(k1), undefined, 'a kiosk (cooldown 0) sets no cookie')
  t.equal(
    (await submitForm(app, kiosk.token, { score: '3' })).statusCode,
    303,
    "and takes the next person's answer at once"
  )
})

t.test('hourly cap: past max_answers_per_hour a clear 429 page; only the current hour is counted and kept', async t => {
  const clock = testClock('2026-03-02T09:40:00Z')
  const app = await build(t, { clock })
  const c = await collector(app, { max_answers_per_hour: 3, cooldown_seconds: 0 })
  const other = await collector(app, { max_answers_per_hour: 3, cooldown_seconds: 0 })

  for (let i = 0; i < 3; i++) t.equal((await submitJson(app, c.token, { score: 5 })).statusCode, 201)
  const full = await submitForm(app, c.token, { score: '4' }, { 'accept-language': 'de' })
  t.equal(full.statusCode, 429)
  t.match(full.body, 'Gerade sehr viele Antworten', "a clear page in the browser's language")
  t.equal(full.headers['retry-after'], String(20 * 60), 'until the next clock hour')
  const nb = await submitForm(app, c.token, { score: '4' })
  t.match(nb.body, 'Mange svar akkurat nå', "or the collector's")
  const json = await submitJson(app, c.token, { score: 4 })
  t.match(json.json(), { status: 429, code: 'collector_busy' })
  t.equal(await count(app, 'responses'), 3, 'refused answers are not stored')
  t.same(await rows(app, 'SELECT count FROM collector_hour_counts'), [{ count: 3 }], 'refused answers are not counted')
  t.equal((await submitJson(app, other.token, { score: 5 })).statusCode, 201, 'another collector has its own cap')

  clock.set('2026-03-02T10:00:00Z')
  t.equal((await submitJson(app, c.token, { score: 2 })).statusCode, 201, 'the next hour takes answers again')
  t.same(
    await rows(app, 'SELECT hour, count FROM collector_hour_counts'),
    [{ hour: Math.floor(clock.now().getTime() / 3_600_000), count: 1 }],
    "the last hour's counts are gone, for every collector"
  )
  t.equal(await count(app, 'responses'), 5)
})

t.test(
  'per client: at most 30 collector answers a minute from one address; ' +
    'other addresses and invitation links are not held back',
  async t => {
    const app = await build(t)
    const c = await collector(app, { cooldown_seconds: 0, max_answers_per_hour: 1000 })
    const office = { remoteAddress: '203.0.113.7' }
    for (let i = 0; i < 30; i++) {
      const res = await submitJson(app, c.token, { score: 5 }, office)
      if (res.statusCode !== 201) t.fail(`answer ${i + 1}: ${res.statusCode}`)
    }
    const over = await submitForm(app, c.token, { score: '5' }, { 'accept-language': 'en' })
    t.equal(over.statusCode, 303, 'another address (the test default) is not held back')
    const limited = await app.inject({
      method: 'POST',
      url: `/s/${c.token}`,
      payload: 'score=5',
      remoteAddress: office.remoteAddress,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' }
    })
    t.equal(limited.statusCode, 429)
    t.match(limited.body, 'Too many requests from here')
    t.ok(
      Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60,
      'retry within the minute'
    )
    t.equal(await count(app, 'responses'), 31)

    const s = await createSurvey(app)
    const token = await linkToken(app, s.id)
    t.equal(
      (await submitJson(app, token, { score: 4 }, office)).statusCode,
      201,
      'an invitation link from the same office still answers'
    )
  }
)
