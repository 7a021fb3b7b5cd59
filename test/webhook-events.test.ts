import t, { type Test } from 'tap'
import { api, build, testClock } from './helpers/build.js'
import { startReceiver, verifyStandardWebhook, type Receiver } from './helpers/receiver.js'
import { answers, createSurvey, seedAnswers } from './helpers/seed.js'

// What the events say: results.released per new release block, target crossings with
// hysteresis, survey.closed; only aggregates of at least the minimum group size, in every format.

const ENV = { WEBHOOK_RETRY_MIN_SECONDS: '0', WEBHOOK_TIMEOUT_SECONDS: '1', WEBHOOK_POLL_MS: '3600000' }
type App = Awaited<ReturnType<typeof build>>

async function receiver (t: { teardown: (fn: () => unknown) => void }): Promise<Receiver> {
  const r = await startReceiver()
  t.teardown(() => r.close())
  return r
}

async function subscribe (app: App, payload: object): Promise<{ id: string; secret: string }> {
  const res = await api(app, { method: 'POST', url: '/v1/webhooks', payload })
  if (res.statusCode !== 201) throw new Error(`subscription failed: ${res.body}`)
  return res.json()
}

/** Runs the watch job and delivers what it queued; answers the bodies received since `from`. */
async function watch (
  app: App,
  rx: Receiver,
  from: number,
  signedWith?: { secret: string; nowS: number }
): Promise<any[]> {
  await app.webhooks.watch()
  await app.webhooks.flush()
  const fresh = rx.received.slice(from)
  // Checked as a receiver would on arrival: the signature, and the timestamp against its own clock.
  if (
    signedWith !== undefined &&
    !fresh.every(r => verifyStandardWebhook(signedWith.secret, r.headers, r.body, signedWith.nowS))
  ) {
    throw new Error('a delivery does not verify')
  }
  return fresh.map(r => JSON.parse(r.body))
}

// A case reference, an address, a token, a time of day: none may appear in any event body.
const FORBIDDEN = [/INC-/, /@/, /\/s\//, /\/r\//, /T\d\d:\d\d/, /token/i]

function anonymous (t: Test, bodies: string[], min: number): void {
  for (const body of bodies) {
    for (const re of FORBIDDEN) t.notMatch(body, re, `no ${re} in an event`)
    // Any count an event shows is at least the minimum group size.
    for (const m of body.matchAll(/"responses":(\d+)/g)) t.ok(Number(m[1]) >= min, `responses ${m[1]} ≥ ${min}`)
    t.notMatch(body, /"(distribution|comment|comments|score_given|answer)"/, 'nothing per answer')
  }
}

t.test('results.released once per new block; target.missed and target.recovered with hysteresis', async t => {
  const clock = testClock('2026-03-03T09:00:00Z')
  const app = await build(t, { clock, env: ENV })
  const rx = await receiver(t)
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'it', name: 'IT desk' })
  const hook = await subscribe(app, {
    url: rx.url,
    events: ['results.released', 'target.missed', 'target.recovered'],
    teams: ['it']
  })
  const signed = () => ({ secret: hook.secret, nowS: clock.now().getTime() / 1000 })
  const other = await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'hr' })
  await seedAnswers(app, other.id, answers('2026-03-02', [5, 5, 5, 5, 5, 5]))
  t.equal(
    (await api(app, { method: 'PUT', url: `/v1/surveys/${survey.id}/target`, payload: { value: 80 } })).statusCode,
    200
  )

  // Day 1: ten satisfied answers, released the next day. CSAT 100 ± 0: met (from unknown: no event).
  await seedAnswers(app, survey.id, answers('2026-03-02', [5, 5, 5, 5, 5, 4, 4, 4, 4, 4]))
  let got = await watch(app, rx, 0, signed())
  t.equal(got.length, 1, 'one event: the hr survey is not covered by the subscription')
  t.match(got[0], {
    type: 'results.released',
    date: '2026-03-03',
    data: {
      survey: { id: survey.id, team: 'it', metric: 'csat' },
      period: { from: '2026-03-02', to: '2026-03-02' },
      responses: 10,
      score: { metric: 'csat', value: 100, margin_of_error: 0, band: 'excellent' },
      target: { value: 80, state: 'met' }
    }
  })
  t.equal((await watch(app, rx, 1, signed())).length, 0, 'the same block is announced once')

  // Day 2: ten unhappy answers: 0 ± 0, missed.
  await seedAnswers(app, survey.id, answers('2026-03-03', [1, 1, 2, 2, 1, 1, 2, 2, 1, 1]))
  clock.set('2026-03-04T09:00:00Z')
  got = await watch(app, rx, 1, signed())
  t.same(got.map(b => b.type).sort(), ['results.released', 'target.missed'])
  t.match(
    got.find(b => b.type === 'target.missed'),
    { data: { target: { value: 80, state: 'missed' }, score: { value: 0 } } }
  )
  const results = (await api(app, { url: `/v1/surveys/${survey.id}/results` })).json()
  t.match(results.target, { value: 80, state: 'missed', period: { from: '2026-03-03', to: '2026-03-03' }, score: 0 })

  // Day 3: half and half, 50 ± 31: not distinguishable from 80. Nothing about the target.
  await seedAnswers(app, survey.id, answers('2026-03-04', [5, 5, 5, 5, 5, 1, 1, 1, 1, 1]))
  clock.set('2026-03-05T09:00:00Z')
  got = await watch(app, rx, 3, signed())
  t.same(
    got.map(b => b.type),
    ['results.released'],
    'hovering within the margin of error does not flap'
  )
  t.equal(got[0].data.target.state, 'not_distinguishable')

  // Day 4: satisfied again: met after missed, recovered.
  await seedAnswers(app, survey.id, answers('2026-03-05', [5, 5, 5, 5, 5, 5, 5, 5, 5, 5]))
  clock.set('2026-03-06T09:00:00Z')
  got = await watch(app, rx, 4, signed())
  t.same(got.map(b => b.type).sort(), ['results.released', 'target.recovered'])
  t.equal((await watch(app, rx, 6, signed())).length, 0, 'recovered once')

  anonymous(
    t,
    rx.received.map(r => r.body),
    5
  )
})

t.test('survey.closed carries nothing below the minimum group size', async t => {
  const clock = testClock('2026-03-10T09:00:00Z')
  const app = await build(t, { clock, env: ENV })
  const rx = await receiver(t)
  const small = await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'it', name: 'small' })
  const big = await createSurvey(app, { kind: 'relationship', metric: 'nps', team: 'hr', name: 'big' })
  await subscribe(app, { url: rx.url, events: ['survey.closed'] })
  await seedAnswers(app, small.id, answers('2026-03-02', [5, 4, 1]))
  await seedAnswers(app, big.id, answers('2026-03-02', [10, 9, 9, 8, 3, 10, 7]))
  for (const s of [small, big]) {
    t.equal(
      (await api(app, { method: 'PATCH', url: `/v1/surveys/${s.id}`, payload: { status: 'closed' } })).statusCode,
      200
    )
  }
  await app.webhooks.flush()
  const bodies = rx.received.map(r => JSON.parse(r.body) as { data: { survey: { id: string } } })
  t.equal(bodies.length, 2)
  // Deliveries due at the same moment go out in any order.
  const of = (id: string) => bodies.find(b => b.data.survey.id === id)
  t.match(of(small.id), {
    type: 'survey.closed',
    date: '2026-03-10',
    data: { survey: { id: small.id }, responses: null, score: null }
  })
  t.match(of(big.id), {
    type: 'survey.closed',
    data: { survey: { id: big.id }, responses: 7, score: { metric: 'nps', band: 'great' } }
  })
  anonymous(
    t,
    rx.received.map(r => r.body),
    5
  )
  t.equal(
    (await api(app, { method: 'PATCH', url: `/v1/surveys/${big.id}`, payload: { retain_days: 30 } })).statusCode,
    200
  )
  await app.webhooks.flush()
  t.equal(rx.received.length, 2, 'closed once, announced once')
})

t.test("slack and teams formats, in the subscription's locale", async t => {
  const clock = testClock('2026-03-03T09:00:00Z')
  const app = await build(t, { clock, env: ENV })
  const rx = await receiver(t)
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'it', name: 'IT desk' })
  await api(app, { method: 'PUT', url: `/v1/surveys/${survey.id}/target`, payload: { value: 80 } })
  const report = 'https://puls.example.com/r/shared-by-the-admin'
  await subscribe(app, { url: rx.url, events: ['results.released'], format: 'slack', locale: 'de', report_url: report })
  await subscribe(app, { url: rx.url, events: ['results.released'], format: 'teams', locale: 'nb', report_url: report })
  await seedAnswers(app, survey.id, answers('2026-03-02', [5, 5, 5, 5, 4, 4, 4, 3, 2, 1]))
  await watch(app, rx, 0)
  t.equal(rx.received.length, 2)
  const slack = rx.received.map(r => JSON.parse(r.body)).find(b => 'blocks' in b)
  const teams = rx.received.map(r => JSON.parse(r.body)).find(b => b.type === 'message')

  // Slack incoming webhook: `text` as the fallback, and Block Kit blocks of known types.
  t.type(slack.text, 'string')
  t.ok(slack.blocks.length <= 50)
  const kinds = new Set(['header', 'section', 'context', 'actions', 'divider'])
  for (const b of slack.blocks) t.ok(kinds.has(b.type), `block type ${b.type}`)
  const header = slack.blocks.find((b: any) => b.type === 'header')
  t.match(header.text, { type: 'plain_text', text: 'Neue Ergebnisse' })
  t.ok(header.text.text.length <= 150)
  const section = slack.blocks.find((b: any) => b.type === 'section')
  t.ok(section.fields.length >= 1 && section.fields.length <= 10)
  for (const f of section.fields) {
    t.equal(f.type, 'mrkdwn')
    t.ok(f.text.length <= 2000)
  }
  const fields = section.fields.map((f: any) => f.text).join('\n')
  t.match(fields, /\*Team\*\nit · IT desk/)
  t.match(fields, /\*Wert\*\nCSAT 70,0 % ± 28,4 \(gut\)/, 'the score with its band, in German')
  t.match(fields, /\*Ziel\*\n≥ 80,0: nicht unterscheidbar/)
  const button = slack.blocks.find((b: any) => b.type === 'actions').elements[0]
  t.match(button, { type: 'button', text: { type: 'plain_text', text: 'Bericht öffnen' }, url: report })

  // Teams Workflows webhook: a message with one Adaptive Card attachment.
  t.equal(teams.attachments.length, 1)
  const attachment = teams.attachments[0]
  t.equal(attachment.contentType, 'application/vnd.microsoft.card.adaptive')
  const card = attachment.content
  t.match(card, {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: /^1\.\d$/
  })
  for (const el of card.body) t.ok(['TextBlock', 'FactSet'].includes(el.type), el.type)
  t.match(card.body[0], { type: 'TextBlock', text: 'Nye resultater' })
  const facts = card.body.find((el: any) => el.type === 'FactSet').facts
  for (const f of facts) t.same(Object.keys(f).sort(), ['title', 'value'])
  t.match(facts, [
    { title: 'Team' },
    { title: 'Resultat', value: /CSAT 70,0 % ± 28,4 \(bra\)/ },
    { title: 'Mål', value: /for jevnt/ },
    { title: 'Periode' },
    { title: 'Svar', value: '10' }
  ])
  t.match(card.actions, [{ type: 'Action.OpenUrl', title: 'Åpne rapporten', url: report }])
})

t.test('team targets: set, validated, shown in team results, announced when missed', async t => {
  const clock = testClock('2026-03-20T09:00:00Z')
  const app = await build(t, { clock, env: ENV })
  const rx = await receiver(t)
  const a = await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'it', name: 'desk' })
  const b = await createSurvey(app, { kind: 'self_service', metric: 'csat', team: 'it', name: 'portal' })
  await subscribe(app, { url: rx.url, events: ['target.missed'], teams: ['it'] })
  const put = (team: string, metric: string, value: unknown) =>
    api(app, { method: 'PUT', url: `/v1/teams/${team}/targets/${metric}`, payload: { value } })
  t.equal((await put('it', 'csat', 120)).statusCode, 400, 'CSAT is a percentage')
  t.match((await put('it', 'csat', 120)).json(), { errors: [{ path: 'body.value' }] })
  t.equal((await put('nobody', 'csat', 80)).statusCode, 404)
  t.equal((await put('it', 'nps', 30)).statusCode, 404, 'the team has no NPS survey')
  const made = await put('it', 'csat', 80)
  t.match(made.json(), { scope: 'team', team: 'it', metric: 'csat', value: 80 })

  await seedAnswers(app, a.id, answers('2026-03-02', [1, 2, 1, 2, 1, 2]))
  await seedAnswers(app, b.id, answers('2026-03-03', [1, 1, 2, 2, 1, 1]))
  const res = (await api(app, { url: '/v1/results?team=it&metric=csat' })).json()
  t.match(res.target, { value: 80, state: 'missed', score: 0, period: { from: '2026-03-02' } })
  await app.webhooks.watch()
  await app.webhooks.flush()
  const bodies = rx.received.map(r => JSON.parse(r.body))
  t.match(bodies, [{ type: 'target.missed', data: { team: 'it', target: { value: 80, state: 'missed' } } }])
  t.equal((await api(app, { method: 'DELETE', url: '/v1/teams/it/targets/csat' })).statusCode, 200)
  t.equal((await api(app, { url: '/v1/results?team=it&metric=csat' })).json().target, null)
})

t.test('the report shows the target and whether the latest released period meets it, in its locale', async t => {
  const clock = testClock('2026-03-03T09:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'it', name: 'IT desk' })
  await seedAnswers(app, survey.id, answers('2026-03-02', [5, 5, 5, 5, 5, 4, 4, 4, 4, 4]))
  const page = async (locale: string) =>
    (await api(app, { url: `/v1/surveys/${survey.id}/report?locale=${locale}` })).body
  t.notMatch(await page('en'), /data-target/, 'no target, no line')
  await api(app, { method: 'PUT', url: `/v1/surveys/${survey.id}/target`, payload: { value: 80 } })
  const line = /<p data-target>Target ≥ 80: met \(latest released period Mar 2, 2026 – Mar 2, 2026\)<\/p>/
  t.match(await page('en'), line)
  t.match(await page('de'), /<p data-target>Ziel ≥ 80: erreicht/)
})
