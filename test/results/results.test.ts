import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { answers, createSurvey, seedAnswers, seedDelivered } from '../helpers/seed.js'

// GET /v1/surveys/:id/results and GET /v1/results through HTTP, on seeded answers.

const TODAY = '2026-03-20T10:00:00Z'
/** Questions about attributes count complete months only: March is complete from 1 April. */
const APRIL = '2026-04-20T10:00:00Z'

t.test('an NPS survey: counts, the metric block, distribution, definition and response rate', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app, { kind: 'relationship' })
  // Two release blocks (each at least 5 answers): 2 + 4 on the 2nd and 3rd, 5 on the 10th.
  await seedAnswers(app, survey.id, [
    ...answers('2026-03-02', [10, 9]),
    ...answers('2026-03-03', [9, 9, 7, 0]),
    ...answers('2026-03-10', [10, 8, 6, 3, 9], {}, { channel: 'collector' }),
    // Not released yet: the open block after the 10th, and today.
    ...answers('2026-03-19', [1, 2]),
    ...answers('2026-03-20', [10])
  ])
  await seedDelivered(app, survey.id, { '2026-03-01': 8, '2026-03-10': 4, '2026-03-19': 50 })
  const res = await api(app, { url: `/v1/surveys/${survey.id}/results` })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body, {
    survey: { id: survey.id, metric: 'nps' },
    period: { from: '2026-03-02', to: '2026-03-10' },
    responses: 11,
    pending_responses: 3,
    suppressed: false,
    suppression_reason: null,
    definition: {
      metric: 'nps',
      scale: { min: 0, max: 10 },
      min_group_size: 5,
      min_comment_group_size: 10,
      rule: /promoters 9–10, passives 7–8, detractors 0–6/
    }
  })
  // 11 answers: promoters 10, 9, 9, 9, 10, 9 = 6; passives 7, 8 = 2; detractors 0, 6, 3 = 3.
  // NPS = 100 × 3 / 11 = 27.3. p = 6/11, d = 3/11: (9/11 − (3/11)²) / 11 = (.81818 − .07438) / 11
  // = .067618; √ = .26003; × 196 = 51.0.
  t.match(body.nps, { score: 27.3, promoters: 6, passives: 2, detractors: 3, margin_of_error: 51 })
  t.ok(body.nps.adjusted_wald.low < 27.3 && body.nps.adjusted_wald.high > 27.3)
  t.same(
    body.distribution.map((d: { count: number }) => d.count),
    [1, 0, 0, 1, 0, 0, 1, 1, 1, 4, 2]
  )
  // Invited answers (not the collector's) over invitations delivered in the period 2nd–10th.
  t.same(body.response_rate, { responses: 6, delivered: 4, percent: 150 })

  const before = await api(app, { url: `/v1/surveys/${survey.id}/results?to=2026-03-04` })
  t.match(before.json(), {
    period: { from: '2026-03-02', to: '2026-03-03' },
    responses: 6,
    requested: { from: null, to: '2026-03-04' }
  })
  const inside = await api(app, { url: `/v1/surveys/${survey.id}/results?from=2026-03-03&to=2026-03-03` })
  t.match(
    inside.json(),
    { period: { from: '2026-03-02', to: '2026-03-03' }, responses: 6 },
    'a period widens to whole release blocks'
  )
  const later = await api(app, { url: `/v1/surveys/${survey.id}/results?from=2026-03-15` })
  t.match(later.json(), { period: null, responses: 0, suppressed: true, nps: null, distribution: null })
})

t.test('answers are released only in blocks of the minimum, and never on the day they come in', async t => {
  const clock = testClock('2026-03-05T10:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app)
  const url = `/v1/surveys/${survey.id}/results`
  await seedAnswers(app, survey.id, answers('2026-03-05', [9, 9, 9, 9, 9, 9]))
  t.match(
    (await api(app, { url })).json(),
    { responses: 0, pending_responses: 6, suppressed: true },
    'today is pending'
  )
  clock.set('2026-03-06T08:00:00Z')
  t.match((await api(app, { url })).json(), { responses: 6, pending_responses: 0, suppressed: false })
  await seedAnswers(app, survey.id, answers('2026-03-06', [0, 1, 2]))
  clock.set('2026-03-09T08:00:00Z')
  const body = (await api(app, { url })).json()
  t.match(
    body,
    { responses: 6, pending_responses: 3, nps: { score: 100 } },
    'three new answers are not enough to change what shows'
  )
})

t.test('below the minimum nothing but the count', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app, { min_group_size: 8 })
  await seedAnswers(app, survey.id, answers('2026-03-02', [10, 10, 10, 0, 0, 0, 5]))
  const body = (await api(app, { url: `/v1/surveys/${survey.id}/results?interval=week` })).json()
  t.match(body, { responses: 0, pending_responses: 7, suppressed: true, nps: null, distribution: null, series: [] })
  const groups = (await api(app, { url: `/v1/surveys/${survey.id}/results?interval=month&group_by=team` })).json()
  t.match(groups, {
    responses: 0,
    pending_responses: 7,
    suppressed: true,
    nps: null,
    distribution: null,
    series: [],
    groups: []
  })
})

t.test(
  'groups: answers without the attribute are a group; small groups and the next-smallest are suppressed',
  async t => {
    const app = await build(t, { clock: testClock(APRIL) })
    const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat' })
    await seedAnswers(app, survey.id, [
      ...answers('2026-03-02', [5, 5, 4, 4, 3, 5, 2, 4], { agent: 'ann' }),
      ...answers('2026-03-02', [1, 2, 5, 5, 4, 4], { agent: 'bo' }),
      ...answers('2026-03-02', [1], { agent: 'cy' }),
      ...answers('2026-03-02', [3, 3, 4, 5, 5, 5, 5])
    ])
    const body = (await api(app, { url: `/v1/surveys/${survey.id}/results?group_by=agent` })).json()
    t.equal(body.group_by, 'agent')
    t.same(
      body.groups.map(
        (g: { value: string | null; responses: number; suppressed: boolean; suppression_reason: string | null }) => [
          g.value,
          g.responses,
          g.suppressed,
          g.suppression_reason
        ]
      ),
      [
        ['ann', 8, false, null],
        ['bo', 6, true, 'complementary'],
        ['cy', 1, true, 'below_min_group_size'],
        [null, 7, false, null]
      ],
      'cy alone would be the total minus the rest; bo, the next-smallest, goes with it'
    )
    const ann = body.groups[0]
    // ann: 5, 5, 4, 4, 3, 5, 2, 4: six of eight are 4 or 5 → 75 %, mean 32 / 8 = 4.
    t.match(ann.csat, { score: 75, satisfied: 6, mean: 4 })
    t.equal(body.groups[1].csat, null)
    t.equal(body.groups[1].distribution, null)
    t.match(body, { responses: 22, suppressed: false, csat: { satisfied: 15 } })

    const one = (await api(app, { url: `/v1/surveys/${survey.id}/results?agent=bo` })).json()
    t.match(
      one,
      { filters: { agent: 'bo' }, responses: 6, suppressed: true, csat: null, response_rate: null },
      'the same cell is suppressed whichever question asks'
    )
    const annOnly = (await api(app, { url: `/v1/surveys/${survey.id}/results?agent=ann` })).json()
    t.match(annOnly, { responses: 8, suppressed: false, csat: { score: 75 } })
  }
)

t.test('a filter whose complement is small is suppressed', async t => {
  const app = await build(t, { clock: testClock(APRIL) })
  const survey = await createSurvey(app)
  await seedAnswers(app, survey.id, [
    ...answers('2026-03-02', [9, 9, 9, 9, 9, 9, 9, 9], { site: 'oslo' }),
    ...answers('2026-03-02', [0, 0], { site: 'bergen' })
  ])
  const oslo = (await api(app, { url: `/v1/surveys/${survey.id}/results?site=oslo` })).json()
  t.match(oslo, { responses: 8, suppressed: true, nps: null }, "the total minus Oslo would be Bergen's two answers")
  t.match((await api(app, { url: `/v1/surveys/${survey.id}/results` })).json(), { responses: 10, suppressed: false })
})

t.test('series: buckets of whole release blocks, with response rate', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app)
  await seedAnswers(app, survey.id, [
    ...answers('2026-03-02', [10, 10, 9, 9, 9]),
    ...answers('2026-03-08', [1, 2]), // a Sunday: its block closes on Monday the 9th
    ...answers('2026-03-09', [5, 6, 7]),
    ...answers('2026-03-17', [8, 8, 8, 8, 8])
  ])
  await seedDelivered(app, survey.id, { '2026-03-02': 10, '2026-03-09': 5 })
  const body = (await api(app, { url: `/v1/surveys/${survey.id}/results?interval=week` })).json()
  t.equal(body.interval, 'week')
  t.same(
    body.series.map((b: { start: string; end: string; responses: number; covers: unknown }) => [
      b.start,
      b.end,
      b.responses,
      b.covers
    ]),
    [
      ['2026-03-02', '2026-03-08', 10, { from: '2026-03-02', to: '2026-03-09' }],
      ['2026-03-09', '2026-03-15', 0, null],
      ['2026-03-16', '2026-03-22', 5, { from: '2026-03-17', to: '2026-03-17' }]
    ],
    'the block of the 8th and 9th counts in the week it starts in'
  )
  // 10, 10, 9, 9, 9 and 1, 2, 5, 6, 7: 5 promoters, 4 detractors of 10 → 10.
  t.match(body.series[0], {
    suppressed: false,
    nps: { score: 10 },
    response_rate: { responses: 10, delivered: 15, percent: 66.7 }
  })
  t.match(body.series[1], { suppressed: true, nps: null })
  const days = (await api(app, { url: `/v1/surveys/${survey.id}/results?interval=day` })).json()
  t.equal(days.series.length, 16)
  const months = (await api(app, { url: `/v1/surveys/${survey.id}/results?interval=month` })).json()
  t.match(months.series, [{ start: '2026-03-01', end: '2026-03-31', responses: 15 }])
})

t.test('bad queries are 400 problems naming the field; unknown surveys 404', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app)
  const cases: Array<[string, string]> = [
    ['from=2026-13-01', 'query.from'],
    ['to=yesterday', 'query.to'],
    ['from=2026-03-05&to=2026-03-01', 'query.to'],
    ['interval=year', 'query.interval'],
    ['group_by=a%20b', 'query.group_by'],
    ['team=it&group_by=team', 'query.group_by'],
    ['%24where=1', 'query.$where'],
    ['team=', 'query.team'],
    ['team=a&team=b', 'query.team']
  ]
  for (const [query, path] of cases) {
    const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
    t.equal(res.statusCode, 400, query)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.json().errors?.[0]?.path, path, query)
  }
  const missing = await api(app, { url: '/v1/surveys/srv_nope/results' })
  t.equal(missing.statusCode, 404)
  t.equal((await app.inject({ url: `/v1/surveys/${survey.id}/results` })).statusCode, 401, 'results need an API key')
})

t.test('two filters, and a filter with a grouping, agree with one filter', async t => {
  const app = await build(t, { clock: testClock(APRIL) })
  const survey = await createSurvey(app)
  const seeded = [
    ...answers('2026-03-02', [10, 9, 9, 8, 7, 6, 10, 10], { team: 'desk', site: 'oslo' }),
    ...answers('2026-03-02', [0, 1, 2, 3, 4, 5, 6], { team: 'desk', site: 'bergen' }),
    ...answers('2026-03-03', [9, 9, 9, 9, 9, 9], { team: 'field', site: 'oslo' })
  ]
  await seedAnswers(app, survey.id, seeded)
  const both = (await api(app, { url: `/v1/surveys/${survey.id}/results?team=desk&site=oslo` })).json()
  t.match(both, { filters: { team: 'desk', site: 'oslo' }, responses: 8, suppressed: false })
  t.same(
    both.distribution.map((d: { count: number }) => d.count),
    [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 3]
  )
  const desk = (await api(app, { url: `/v1/surveys/${survey.id}/results?team=desk` })).json()
  const deskByScan = (await api(app, { url: `/v1/surveys/${survey.id}/results?team=desk&group_by=site` })).json()
  t.equal(desk.responses, 15)
  t.same(
    deskByScan.distribution,
    desk.distribution,
    'a filter with a grouping counts the same answers as the filter alone'
  )
  t.same(
    deskByScan.groups.map((g: { value: string; responses: number }) => [g.value, g.responses]),
    [
      ['bergen', 7],
      ['oslo', 8]
    ]
  )
})

t.test('GET /v1/results: one team and metric across surveys', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const caseSurvey = await createSurvey(app, { kind: 'post_case', metric: 'nps', team: 'payroll' })
  const yearly = await createSurvey(app, { kind: 'relationship', team: 'payroll' })
  await createSurvey(app, { kind: 'post_case', team: 'payroll' }) // CSAT: not part of the NPS view
  await seedAnswers(app, caseSurvey.id, answers('2026-03-02', [10, 10, 10, 10, 0]))
  await seedAnswers(app, yearly.id, answers('2026-03-09', [8, 8, 8, 8, 8, 0]))
  await seedDelivered(app, yearly.id, { '2026-03-09': 11 })
  const res = await api(app, { url: '/v1/results?team=payroll&metric=nps&interval=week' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  const counts = Object.fromEntries(body.surveys.map((s: { id: string; responses: number }) => [s.id, s.responses]))
  t.same(counts, { [caseSurvey.id]: 5, [yearly.id]: 6 })
  // 4 promoters, 5 passives, 2 detractors of 11: NPS 100 × 2 / 11 = 18.2.
  t.match(body, {
    team: 'payroll',
    metric: 'nps',
    responses: 11,
    suppressed: false,
    nps: { score: 18.2, promoters: 4, passives: 5, detractors: 2 }
  })
  t.match(body.response_rate, { responses: 11, delivered: 11, percent: 100 })
  t.match(body.series, [
    { start: '2026-03-02', responses: 5 },
    { start: '2026-03-09', responses: 6 }
  ])
  t.equal((await api(app, { url: '/v1/results?team=nobody&metric=nps' })).statusCode, 404)
  const bad = await api(app, { url: '/v1/results?team=payroll' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].path, 'query.metric')
})

t.test(
  'questions about attributes: complete months, whole months, and a range of months only where every month shows',
  async t => {
    const app = await build(t, { clock: testClock('2026-04-10T10:00:00Z') })
    const survey = await createSurvey(app)
    await seedAnswers(app, survey.id, [
      ...answers('2026-01-05', [9, 9, 9, 9, 9], { agent: 'a' }),
      ...answers('2026-01-05', [5, 5, 5, 5, 5], { agent: 'b' }),
      ...answers('2026-01-12', [9, 9, 9, 9, 9], { agent: 'a' }),
      ...answers('2026-01-12', [5, 5, 5, 5, 5], { agent: 'b' }),
      // February: agent a has two answers; c, the next-smallest, is suppressed with them.
      ...answers('2026-02-09', [0, 0], { agent: 'a' }),
      ...answers('2026-02-09', [8, 8, 8, 8, 8, 8, 8, 8, 8, 8], { agent: 'b' }),
      ...answers('2026-02-09', [7, 7, 7, 7, 7, 7], { agent: 'c' }),
      ...answers('2026-03-02', [10, 10, 10, 10, 10, 10, 10, 10], { agent: 'a' }),
      ...answers('2026-03-02', [6, 6, 6, 6, 6, 6, 6, 6, 6, 6], { agent: 'b' }),
      // April is not over: released for whole-survey questions, not yet for questions about attributes.
      ...answers('2026-04-02', [1, 1, 1, 1, 1, 1], { agent: 'b' })
    ])
    const get = async (query: string) => (await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })).json()

    t.match(
      await get(''),
      { responses: 62, pending_responses: 0, suppressed: false },
      "whole-survey numbers count April's released block"
    )
    t.match(
      await get('agent=b'),
      { responses: 30, pending_responses: 6, suppressed: false, period: { from: '2026-01-05', to: '2026-03-02' } },
      'attribute questions leave out the month that is not over, and say so in pending_responses'
    )

    t.match(
      await get('agent=a&from=2026-01-15&to=2026-01-20'),
      {
        responses: 10,
        suppressed: false,
        period: { from: '2026-01-05', to: '2026-01-12' },
        requested: { from: '2026-01-15', to: '2026-01-20' }
      },
      'the period widens to whole months'
    )
    t.match(
      await get('agent=a&to=2026-02-28'),
      { responses: 12, suppressed: true, suppression_reason: 'period', nps: null, distribution: null },
      'January and February together: February does not show agent a, so neither does the sum'
    )
    t.match(await get('agent=a&from=2026-02-01&to=2026-02-28'), {
      responses: 2,
      suppressed: true,
      suppression_reason: 'below_min_group_size'
    })
    t.match(await get('agent=c&from=2026-02-01&to=2026-02-28'), {
      responses: 6,
      suppressed: true,
      suppression_reason: 'complementary'
    })
    const b = await get('agent=b&from=2026-01-01&to=2026-03-31')
    t.match(
      b,
      { responses: 30, suppressed: false, suppression_reason: null },
      'agent b shows in each month, so over all three: the sum adds nothing new'
    )
    t.same(
      b.distribution.map((d: { count: number }) => d.count),
      [0, 0, 0, 0, 0, 10, 10, 0, 10, 0, 0]
    )

    const series = await get('agent=a&interval=month')
    t.same(
      series.series.map(
        (m: { start: string; end: string; responses: number; suppression_reason: string | null; covers: unknown }) => [
          m.start,
          m.end,
          m.responses,
          m.suppression_reason,
          m.covers
        ]
      ),
      [
        ['2026-01-01', '2026-01-31', 10, null, { from: '2026-01-05', to: '2026-01-12' }],
        ['2026-02-01', '2026-02-28', 2, 'below_min_group_size', { from: '2026-02-09', to: '2026-02-09' }],
        ['2026-03-01', '2026-03-31', 8, null, { from: '2026-03-02', to: '2026-03-02' }]
      ],
      'a monthly series is the month cells themselves'
    )
    t.match(series, { responses: 20, suppression_reason: 'period' })
    const groups = await get('group_by=agent&from=2026-02-01&to=2026-02-28')
    t.same(
      groups.groups.map((g: { value: string; responses: number; suppression_reason: string | null }) => [
        g.value,
        g.responses,
        g.suppression_reason
      ]),
      [
        ['a', 2, 'below_min_group_size'],
        ['b', 10, null],
        ['c', 6, 'complementary']
      ]
    )

    for (const query of [
      'agent=a&interval=week',
      'group_by=agent&interval=day',
      'agent=a&group_by=category&interval=week'
    ]) {
      const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
      t.equal(res.statusCode, 400, query)
      t.match(
        res.json(),
        { errors: [{ path: 'query.interval', message: /month/ }] },
        `${query}: weeks and days do not nest in months`
      )
    }
  }
)

t.test(
  'a month is released for attribute questions when its last block has closed, and then never changes',
  async t => {
    const clock = testClock('2026-03-20T10:00:00Z')
    const app = await build(t, { clock })
    const survey = await createSurvey(app)
    // February's last answers (3) wait for a block that closes on 2 March: until then February is not complete.
    await seedAnswers(app, survey.id, [
      ...answers('2026-02-02', [9, 9, 9, 9, 9], { agent: 'a' }),
      ...answers('2026-02-26', [9, 9, 9], { agent: 'a' })
    ])
    t.match((await api(app, { url: `/v1/surveys/${survey.id}/results?agent=a` })).json(), {
      responses: 0,
      pending_responses: 8,
      period: null
    })
    await seedAnswers(app, survey.id, answers('2026-03-02', [1, 1], { agent: 'a' }))
    const feb = (await api(app, { url: `/v1/surveys/${survey.id}/results?agent=a` })).json()
    t.match(
      feb,
      { responses: 10, suppressed: false, period: { from: '2026-02-02', to: '2026-03-02' } },
      'the block from 26 February to 2 March counts in February, the month it starts in'
    )
    t.same(
      feb.distribution.map((d: { count: number }) => d.count),
      [0, 2, 0, 0, 0, 0, 0, 0, 0, 8, 0],
      'with its scores of 2 March'
    )
    clock.set('2026-05-02T10:00:00Z')
    await seedAnswers(app, survey.id, answers('2026-04-01', [5, 5, 5, 5, 5], { agent: 'a' }))
    const later = (await api(app, { url: `/v1/surveys/${survey.id}/results?agent=a&to=2026-02-28` })).json()
    t.same([later.responses, later.distribution], [feb.responses, feb.distribution], 'February reads the same later')
  }
)
