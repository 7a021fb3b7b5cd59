import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { sweep } from '../src/invitations/service.js'
import { purge, type RetentionDefaults } from '../src/retention/service.js'
import { API_KEY, api, build, testClock } from './helpers/build.js'
import { cliOn } from './helpers/cli.js'
import { count, createSurvey, invite, linkToken, rows, submitJson, type App } from './helpers/puls.js'
import { seedAnswers, seedDelivered } from './helpers/seed.js'

// Retention driven by the test clock: answers, comments and ended invitations go when their time
// is up, and everything computed from what remains stays as a fresh count from it would say.

const NONE: RetentionDefaults = { retainDays: undefined, commentRetainDays: undefined }
const START = Date.parse('2026-01-01T10:00:00Z')
const dayAt = (d: number) => new Date(START + d * 86_400_000).toISOString()

/** One answer through a handed-out link, on the clock's day: invitation, page post, response. */
async function answer (
  app: App,
  surveyId: string,
  score: number,
  comment?: string,
  attributes?: Record<string, string>
): Promise<void> {
  const token = await linkToken(app, surveyId, attributes === undefined ? {} : { attributes })
  const res = await submitJson(app, token, comment === undefined ? { score } : { score, comment })
  if (res.statusCode !== 201) throw new Error(`answer not taken: ${res.body}`)
}

/** Delivered invitations per day as results count them: live invitations plus purged ones' counts. */
async function deliveredByDay (app: App, surveyId: string): Promise<Record<string, number>> {
  const live = await rows<{ day: string; n: number }>(
    app,
    'SELECT delivered_on AS day, count(*) AS n FROM invitations ' +
      `WHERE survey_id = '${surveyId}' AND delivered_on IS NOT NULL GROUP BY 1`
  )
  const purged = await rows<{ day: string; n: number }>(
    app,
    `SELECT day, n FROM delivered_counts WHERE survey_id = '${surveyId}'`
  )
  const out: Record<string, number> = {}
  for (const { day, n } of [...live, ...purged]) out[day] = (out[day] ?? 0) + n
  return out
}

const answersByDay = async (app: App, surveyId: string) =>
  Object.fromEntries(
    (await rows<{ day: string; n: number }>(
      app,
      `SELECT day, count(*) AS n FROM responses WHERE survey_id = '${surveyId}' GROUP BY day`
    )).map(r => [r.day, r.n])
  )

t.test(
  'answers go after retain_days, comments after comment_retain_days, ' +
    'ended invitations after link lifetime plus throttle',
  async t => {
    const clock = testClock(dayAt(0))
    const app = await build(t, { clock })
    // post_case defaults: links live 7 days, throttle 14 days.
    const survey = await createSurvey(app, { retain_days: 30, comment_retain_days: 10 })
    t.match(survey, { retain_days: 30, comment_retain_days: 10, link_ttl_days: 7, throttle_days: 14 })
    // One answer a day from 22 December: score blocks of 5 days start on 1 January, comment blocks of
    // 10 days too, and January is the first month whose blocks lie after the December ones.
    for (let d = -10; d < 40; d++) {
      clock.set(dayAt(d))
      await answer(app, survey.id, ((d + 10) % 5) + 1, `day ${d}`)
    }
    clock.set(dayAt(40)) // 2026-02-10
    const delivered = await deliveredByDay(app, survey.id)
    t.equal(Object.keys(delivered).length, 50)

    t.same(await purge(app.store, clock.now(), NONE), { responses: 10, comments: 30, invitations: 30 })
    const kept = await rows<{ day: string; comment: string | null }>(app,
      'SELECT day, comment FROM responses ORDER BY day')
    t.equal(kept.length, 40)
    t.equal(
      kept[0]!.day,
      '2026-01-01',
      'December goes; answers older than 30 days (1–10 January) wait until all of January is past it: months go whole'
    )
    t.same(
      kept.filter(r => r.comment !== null).map(r => r.day),
      Array.from({ length: 10 }, (_, i) => dayAt(30 + i).slice(0, 10)),
      'only the last 10 days keep their comments'
    )
    t.equal(await count(app, 'invitations'), 20, 'answered invitations whose link expired 14 days ago are gone')
    t.equal((await rows<{ d: string }>(app, 'SELECT min(created_at) AS d FROM invitations'))[0]!.d,
      START + 20 * 86_400_000)
    t.same(
      await deliveredByDay(app, survey.id),
      Object.fromEntries(Object.entries(delivered).filter(([day]) => day >= '2026-01-01')),
      'the response-rate denominator of every day whose answers stay is unchanged; ' +
        'older days are gone with their answers'
    )

    t.same(
      await purge(app.store, clock.now(), NONE),
      { responses: 0, comments: 0, invitations: 0 },
      'a second run finds nothing'
    )
  }
)

t.test('purging never changes a throttle decision', async t => {
  // Two services see the same invitations day by day; one of them purges (and sweeps) every day.
  const clocks = [testClock(dayAt(0)), testClock(dayAt(0))]
  const apps = [await build(t, { clock: clocks[0] }), await build(t, { clock: clocks[1] })]
  const surveys = [
    await createSurvey(apps[0]!, { throttle_days: 14, link_ttl_days: 7, reminder_after_days: null }),
    await createSurvey(apps[1]!, { throttle_days: 14, link_ttl_days: 7, reminder_after_days: null })
  ]
  const outcomes: string[][] = [[], []]
  let purged = 0
  for (let d = 0; d < 45; d++) {
    for (const i of [0, 1]) {
      clocks[i]!.set(dayAt(d))
      const app = apps[i]!
      if (i === 1) {
        await sweep(app.store.db, clocks[i]!.now())
        purged += (await purge(app.store, clocks[i]!.now(), NONE)).invitations
      }
      // kim every day, lea every fifth day, each for a new case.
      for (const [who, every] of [
        ['kim', 1],
        ['lea', 5]
      ] as const) {
        if (d % every !== 0) continue
        const res = await invite(app, surveys[i]!.id, { email: `${who}@example.com`, case_ref: `${who}-${d}` })
        outcomes[i]!.push(`${d} ${who} ${res.json().status}`)
      }
    }
  }
  t.ok(purged > 20, `the purging service deleted ${purged} ended invitations on the way`)
  t.same(outcomes[1], outcomes[0], 'every invitation got the same answer with and without purging')
  t.ok(
    outcomes[0]!.includes('15 kim queued') && outcomes[0]!.includes('16 kim throttled'),
    'and the throttle was at work'
  )
})

t.test('a relationship survey keeps its ended invitations while it runs, so a list is never asked twice', async t => {
  // The CLI invites at the real time, so the service's clock starts there too.
  const clock = testClock(new Date().toISOString())
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { kind: 'relationship', team: 'hr' })
  const file = join(t.testdir(), 'people.csv')
  writeFileSync(file, 'email,site\na@example.com,oslo\nb@example.com,bergen\n')
  const cli = async (...args: string[]) => (await cliOn(app, args, { PULS_API_KEY: API_KEY })).code
  t.equal(await cli('invite', '--survey', survey.id, file), 0)

  clock.advanceDays(100)
  await sweep(app.store.db, clock.now())
  t.same(await purge(app.store, clock.now(), NONE), { responses: 0, comments: 0, invitations: 0 })
  t.equal(await cli('invite', '--survey', survey.id, file), 0)
  t.same(
    await rows(app, 'SELECT status, count(*) AS n FROM invitations GROUP BY status'),
    [{ status: 'expired', n: 2 }],
    'nobody invited again'
  )

  t.equal(
    (await api(app, { method: 'PATCH', url: `/v1/surveys/${survey.id}`, payload: { status: 'closed' } })).statusCode,
    200
  )
  t.same(await purge(app.store, clock.now(), NONE), { responses: 0, comments: 0, invitations: 2 }, 'closed: they go')
})

t.test(
  'RETAIN_DAYS and COMMENT_RETAIN_DAYS apply to surveys that set none; a survey may keep longer or shorter',
  async t => {
    const clock = testClock(dayAt(0))
    const app = await build(t, { clock, env: { RETAIN_DAYS: '20', COMMENT_RETAIN_DAYS: '5' } })
    const byDefault = await createSurvey(app)
    const longer = await createSurvey(app, { retain_days: 60, comment_retain_days: 60 })
    for (const d of [0, 10, 18, 25]) {
      clock.set(dayAt(d))
      for (const s of [byDefault, longer]) await answer(app, s.id, 4, 'ok')
    }
    clock.set(dayAt(30))
    const defaults = app.config.retention
    t.same(defaults, { retainDays: 20, commentRetainDays: 5 })
    // Now is 2026-01-31: answers from 2026-01-11 on stay, comments from 2026-01-26 on; the links of
    // 2026-01-01 expired on the 8th, 14 days (the throttle) before the 22nd.
    t.same(await purge(app.store, clock.now(), defaults), { responses: 1, comments: 2, invitations: 2 })
    t.same(await answersByDay(app, byDefault.id), { '2026-01-11': 1, '2026-01-19': 1, '2026-01-26': 1 })
    t.same(await rows(app, `SELECT day FROM responses WHERE survey_id = '${byDefault.id}' AND comment IS NOT NULL`), [
      { day: '2026-01-26' }
    ])
    t.same(await answersByDay(app, longer.id), { '2026-01-01': 1, '2026-01-11': 1, '2026-01-19': 1, '2026-01-26': 1 })
    t.equal(
      (await rows(app,
        `SELECT count(*) AS n FROM responses WHERE survey_id = '${longer.id}' AND comment IS NOT NULL`))[0]!.n,
      4
    )

    // null goes back to the default; its comments then simply go with their answers.
    const res = await api(app, { method: 'PATCH', url: `/v1/surveys/${longer.id}`, payload: { retain_days: null } })
    t.match(res.json(), { retain_days: null, comment_retain_days: 60 })
    t.same(await purge(app.store, clock.now(), defaults), { responses: 1, comments: 0, invitations: 0 })
    t.same(await answersByDay(app, longer.id), { '2026-01-11': 1, '2026-01-19': 1, '2026-01-26': 1 })
  }
)

t.test('retain_days through the API: validated, and still changeable after the survey closed', async t => {
  const app = await build(t)
  const bad = await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: { name: 'x', kind: 'post_case', team: 'it', retain_days: 30, comment_retain_days: 31 }
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), {
    errors: [
      { path: 'body.comment_retain_days', message: 'must be at most retain_days (30): a comment goes with its answer' }
    ]
  })
  for (const value of [0, -1, 1.5, '30', 36_501]) {
    const res = await api(app, {
      method: 'POST',
      url: '/v1/surveys',
      payload: { name: 'x', kind: 'post_case', team: 'it', retain_days: value }
    })
    t.equal(res.statusCode, 400, `retain_days ${value}`)
    t.match(res.json(), { errors: [{ path: 'body.retain_days' }] })
  }
  t.equal(await count(app, 'surveys'), 0)

  const survey = await createSurvey(app)
  t.match(survey, { retain_days: null, comment_retain_days: null })
  await api(app, { method: 'PATCH', url: `/v1/surveys/${survey.id}`, payload: { status: 'closed' } })
  const changed = await api(app, {
    method: 'PATCH',
    url: `/v1/surveys/${survey.id}`,
    payload: { retain_days: 90, comment_retain_days: 30 }
  })
  t.equal(changed.statusCode, 200)
  t.match(changed.json(), {
    status: 'closed',
    retain_days: 90,
    comment_retain_days: 30,
    closed_at: survey.closed_at ?? /Z$/
  })
  const other = await api(app, {
    method: 'PATCH',
    url: `/v1/surveys/${survey.id}`,
    payload: { retain_days: 60, name: 'renamed' }
  })
  t.equal(other.statusCode, 409)
  t.match(other.json().detail, /except for retain_days and comment_retain_days/)
})

t.test('the service applies retention on its own timer, and the CLI on demand', async t => {
  const clock = testClock(dayAt(0))
  const app = await build(t, { clock, env: { RETENTION_INTERVAL_SECONDS: '0.05', RETAIN_DAYS: '7' } })
  const survey = await createSurvey(app)
  await answer(app, survey.id, 5)
  clock.set(dayAt(3))
  await answer(app, survey.id, 4)
  clock.set(dayAt(9))
  const deadline = Date.now() + 10_000
  while ((await count(app, 'responses')) > 1 && Date.now() < deadline) await sleep(20)
  t.same(await answersByDay(app, survey.id), { '2026-01-04': 1 }, 'the timer deleted the answer older than 7 days')

  // The CLI, with its own clock (the real one, months later): the other answer and both
  // invitations are long past too.
  const out: string[] = []
  const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) }
  const { code } = await cliOn(app, ['purge'], { RETAIN_DAYS: '7' }, io)
  t.equal(code, 0)
  t.same(out, [
    'retention applied: 1 answers deleted, 0 comments dropped, 2 ended invitations deleted (0 expired just now), ' +
      '0 audit events deleted'
  ])
  t.equal(await count(app, 'responses'), 0)
  t.equal(await count(app, 'invitations'), 0)
})

t.test("an e-mailed invitation goes with its mail's delivery record", async t => {
  const clock = testClock(dayAt(0))
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { reminder_after_days: null })
  t.equal((await invite(app, survey.id, { email: 'kim@example.com', case_ref: 'INC-1' })).statusCode, 201)
  t.equal((await invite(app, survey.id, { email: 'lea@example.com', case_ref: 'INC-2' })).statusCode, 201)
  await app.outbox.flush()
  t.same(await rows(app, 'SELECT state FROM outbox'), [{ state: 'sent' }, { state: 'sent' }])
  t.equal(await count(app, 'invitations WHERE delivered_on IS NOT NULL'), 2)

  clock.set(dayAt(21)) // links expired on day 7; 14 days of throttle after that
  await sweep(app.store.db, clock.now())
  t.same(await purge(app.store, clock.now(), NONE), { responses: 0, comments: 0, invitations: 2 })
  t.equal(await count(app, 'outbox'), 0)
  t.same(await deliveredByDay(app, survey.id), { '2026-01-01': 2 }, 'still counted as delivered that day')
})

t.test(
  'results after a purge are exactly a fresh count of the answers that remain, and kept blocks do not change',
  async t => {
    const clock = testClock(dayAt(0))
    // 156 answers through the survey page within a second of real time: no rate limit (0 turns it off).
    const app = await build(t, { clock, env: { RATE_LIMIT_MAX: '0' } })
    // Three answers a day from 20 December: score blocks (min 5) close every 2 days, comment blocks
    // (min 10) every 4; both start a block on 1 January, the first block of January.
    const survey = await createSurvey(app, { retain_days: 30 })
    for (let d = -12; d < 40; d++) {
      clock.set(dayAt(d))
      for (let i = 0; i < 3; i++) {
        await answer(app, survey.id, ((((d + 12) * 3 + i) * 7) % 5) + 1, `c${d}.${i}`, {
          team: ['a', 'b', 'c'][(d + 12 + i) % 3]!
        })
      }
    }
    clock.set(dayAt(40)) // 2026-02-10: answers before 2026-01-11 are past their 30 days
    const queries = ['', '?interval=week', '?group_by=team', '?team=a&interval=month', '?from=2026-01-09']
    const results = async (id: string) =>
      Promise.all(
        queries.map(async q => {
          const res = await api(app, { url: `/v1/surveys/${id}/results${q}` })
          t.equal(res.statusCode, 200, res.body)
          const { survey: _which, ...body } = res.json()
          return body
        })
      )
    const before = await results(survey.id)

    t.same(await purge(app.store, clock.now(), NONE), { responses: 36, comments: 0, invitations: 96 })
    t.equal(
      (await rows<{ d: string }>(app, 'SELECT min(day) AS d FROM responses'))[0]!.d,
      '2026-01-01',
      'the cut waits for a day where both walks start a block and a month starts: 1 January, not 11 January'
    )
    const after = await results(survey.id)
    t.same(after[4], before[4], 'results over the blocks that stay are as before')
    t.not(after[0].responses, before[0].responses)

    // The recount: a fresh service given only what remains (answers, and deliveries per day).
    const fresh = await build(t, { clock })
    const twin = await createSurvey(fresh, { retain_days: 30 })
    await seedAnswers(
      fresh,
      twin.id,
      (await rows<{ score: number; day: string; comment: string | null; attributes: string; channel: 'link' }>(
        app,
        `SELECT score, day, comment, attributes, channel FROM responses WHERE survey_id = '${survey.id}'`
      )).map(r => ({ ...r, attributes: JSON.parse(r.attributes) as Record<string, string> }))
    )
    await seedDelivered(fresh, twin.id, await deliveredByDay(app, survey.id))
    t.same(
      after,
      await Promise.all(
        queries.map(async q => {
          const { survey: _which, ...body } = (await api(fresh, { url: `/v1/surveys/${twin.id}/results${q}` })).json()
          return body
        })
      ),
      'every query answers as a fresh count of the remaining answers would'
    )
  }
)

t.test(
  "a purge in whole months, where a block runs over a month's end: " +
    'months that stay read as before, and as a fresh count',
  async t => {
    const clock = testClock('2026-05-10T10:00:00Z')
    const app = await build(t, { clock })
    // 80 days: answers before 19 February are past it. Blocks (5): 10 Jan; 30 Jan–2 Feb (January's);
    // 3 Feb (February's first); 20 Feb; 5 Mar; 2 Apr. The cut is 3 February, inside the calendar month.
    const survey = await createSurvey(app, { retain_days: 80, kind: 'relationship', metric: 'nps' })
    const day = (d: string, agent: string, scores: number[]) =>
      scores.map(score => ({ score, day: d, attributes: { agent } }))
    const data = [
      ...day('2026-01-10', 'a', [9, 9, 9, 9, 9]),
      ...day('2026-01-30', 'a', [1, 2, 3]),
      ...day('2026-02-02', 'b', [4, 5]),
      ...day('2026-02-03', 'a', [6, 6, 7, 7, 7]),
      ...day('2026-02-03', 'b', [8, 8, 8, 9, 9]),
      ...day('2026-02-20', 'a', [10, 10, 0, 0, 0]),
      ...day('2026-02-20', 'b', [3, 3, 3, 4, 4]),
      ...day('2026-03-05', 'a', [5, 5, 5, 5, 5]),
      ...day('2026-04-02', 'b', [7, 7, 7, 7, 7])
    ]
    await seedAnswers(app, survey.id, data)
    const queries = [
      '?group_by=agent',
      '?agent=a&interval=month',
      '?group_by=agent&from=2026-02-01&to=2026-02-28',
      '?interval=month'
    ]
    const results = async (a: App, id: string) =>
      Promise.all(
        queries.map(async q => {
          const { survey: _which, ...body } = (await api(a, { url: `/v1/surveys/${id}/results${q}` })).json()
          return body
        })
      )
    const before = await results(app, survey.id)
    t.same(await purge(app.store, clock.now(), NONE), { responses: 10, comments: 0, invitations: 0 })
    t.equal(
      (await rows<{ d: string }>(app, 'SELECT min(day) AS d FROM responses'))[0]!.d,
      '2026-02-03',
      "January goes whole, with its block's answers of 2 February"
    )
    const after = await results(app, survey.id)
    t.same(after[2], before[2], 'February reads as before')
    t.ok(
      after[2].groups.some((g: { suppressed: boolean }) => !g.suppressed),
      'and shows something'
    )

    const fresh = await build(t, { clock })
    const twin = await createSurvey(fresh, { retain_days: 80, kind: 'relationship', metric: 'nps' })
    await seedAnswers(
      fresh,
      twin.id,
      (await rows<{ score: number; day: string; attributes: string }>(
        app,
        `SELECT score, day, attributes FROM responses WHERE survey_id = '${survey.id}'`
      )).map(r => ({ ...r, attributes: JSON.parse(r.attributes) as Record<string, string> }))
    )
    t.same(after, await results(fresh, twin.id), 'every query answers as a fresh count of the remaining answers would')
    // The rollups themselves too (the month the cut falls in is counted again from its answers),
    // each combination by its parsed attributes: the recount may spell them with keys in another order.
    const rollup = async (a: App, id: string) => await Promise.all(
      [
        'SELECT day AS k, combo, n, 0 AS invited FROM response_combos',
        'SELECT month || score AS k, combo, n, invited FROM response_combo_scores'
      ].map(async q =>
        (await rows<{ k: string; combo: string; n: number; invited: number }>(a, `${q} WHERE survey_id = '${id}'`))
          .map(r =>
            JSON.stringify([r.k, Object.entries(JSON.parse(r.combo) as Record<string, string>).sort(), r.n, r.invited])
          )
          .sort()
      ))
    t.same(await rollup(app, survey.id), await rollup(fresh, twin.id), 'the rollups hold what a fresh count holds')
  }
)
