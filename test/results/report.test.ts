import { createHash } from 'node:crypto'
import t from 'tap'
import { loggerOptions } from '../../src/logger.js'
import { tables } from '../../src/db/dialect.js'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, answers, createSurvey, seedAnswers } from '../helpers/seed.js'

// The HTML report and its share links: GET /v1/surveys/:id/report, POST …/share-links, GET /r/:token.

const TODAY = '2026-03-20T10:00:00Z'
type App = Awaited<ReturnType<typeof build>>

async function surveyWithAnswers (app: App, extra: Record<string, unknown> = {}): Promise<string> {
  const survey = await createSurvey(app, { name: 'IT desk <after cases>', kind: 'post_case', metric: 'csat', ...extra })
  const data: Answer[] = []
  for (const [i, day] of ['2026-03-02', '2026-03-03', '2026-03-09', '2026-03-10', '2026-03-16'].entries()) {
    data.push(...answers(day, [5, 4, 4, 3, 5, 2], { agent: i % 2 === 0 ? 'ann' : '<b>bo</b>' }))
  }
  data.push({ score: 1, day: '2026-03-02', comment: '<script>alert("x")</script> & <img src=x onerror=alert(1)>' })
  data.push({ score: 5, day: '2026-03-03', comment: 'Quick and kind, thanks!' })
  // Comments are released in blocks of min_comment_group_size (10) comments, not answers.
  for (let i = 0; i < 8; i++) data.push({ score: 4, day: '2026-03-03', comment: `Fine ${i}` })
  await seedAnswers(app, survey.id, data)
  return survey.id
}

/** What a self-contained page may not contain: anything that loads or runs something. */
function assertSelfContained (t: Tap, html: string): void {
  t.notMatch(html, /<script/i, 'no script')
  t.notMatch(html, /<link|<img|<iframe|<object|<embed/i, 'no element that loads something')
  t.notMatch(html, /\ssrc=|url\(|@import/i, 'no external source or stylesheet')
  t.notMatch(html, /href="(?!#)/i, 'no links out')
  t.notMatch(html, /\son[a-z]+=/i, 'no event handler attribute')
}
interface Tap {
  notMatch(found: string, pattern: RegExp, message: string): unknown
}

t.test('the report: one self-contained page with server-drawn charts, markup in answers stays text', async t => {
  // In April, so that March is a complete month: the breakdown by an attribute counts complete months only.
  const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
  const id = await surveyWithAnswers(app)
  const res = await api(app, { url: `/v1/surveys/${id}/report?interval=week` })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.headers['content-security-policy'], /default-src 'none'/)
  t.equal(res.headers['cache-control'], 'private, no-store')
  const html = res.body
  assertSelfContained(t, html)
  t.equal((html.match(/<svg /g) ?? []).length, 3, 'over time, distribution, breakdown')
  t.match(html, /class="band"/, 'the margin of error drawn as a band')
  t.match(html, 'IT desk &lt;after cases&gt;', 'the survey name is escaped')
  t.match(
    html,
    '<li>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;</li>',
    'a comment with markup is shown as text'
  )
  t.match(html, 'Quick and kind, thanks!')
  t.match(html, '&lt;b&gt;bo&lt;/b&gt;', 'a group name with markup is escaped inside the SVG')
  t.match(html, /data-metric-score>\d/, 'the headline score')
  t.match(html, /By agent/, 'the breakdown defaults to the attribute most answers carry')
  t.match(
    html,
    'Complete months, the latest run of them that shows the most groups ' +
      '(a group is shown where each month shows it): Mar 2, 2026 – Mar 16, 2026',
    'the breakdown says which days it counts'
  )

  const de = (await api(app, { url: `/v1/surveys/${id}/report?locale=de` })).body
  t.match(de, '<html lang="de">')
  t.match(de, 'Im Zeitverlauf')
  t.match(de, 'Kommentare')
  const bad = await api(app, { url: `/v1/surveys/${id}/report?locale=fr` })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].path, 'query.locale')
})

t.test('the breakdown leaves out a small first month that would hide every group over the whole period', async t => {
  const app = await build(t, { clock: testClock('2026-05-20T10:00:00Z') })
  const survey = await createSurvey(app, { metric: 'csat' })
  const data: Answer[] = []
  // January: the survey's first, partly answered month, two answers per agent (and two without
  // one, so that January's release block closes in January); then two full months.
  data.push(...answers('2026-01-30', [3, 3]))
  for (const agent of ['ann', 'bo']) {
    data.push(...answers('2026-01-30', [5, 4], { agent }))
    for (const day of ['2026-02-03', '2026-02-10', '2026-02-17', '2026-03-03', '2026-03-10', '2026-03-17']) {
      data.push(...answers(day, [5, 4, 3], { agent }))
    }
  }
  await seedAnswers(app, survey.id, data)
  const whole = (await api(app, { url: `/v1/surveys/${survey.id}/results?group_by=agent` })).json()
  t.same(
    whole.groups.map((g: { value: string | null; suppression_reason: string | null }) => [
      g.value,
      g.suppression_reason
    ]),
    [
      ['ann', 'period'],
      ['bo', 'period'],
      [null, 'below_min_group_size']
    ],
    'over January–March each agent is hidden: January does not show them'
  )
  const later = (await api(app, { url: `/v1/surveys/${survey.id}/results?group_by=agent&from=2026-02-01` })).json()
  t.same(
    later.groups.map((g: { value: string | null; suppressed: boolean }) => [g.value, g.suppressed]),
    [
      ['ann', false],
      ['bo', false]
    ],
    'over February–March both show'
  )

  const html = (await api(app, { url: `/v1/surveys/${survey.id}/report` })).body
  t.match(
    html,
    'Complete months, the latest run of them that shows the most groups ' +
      '(a group is shown where each month shows it): Feb 3, 2026 – Mar 17, 2026',
    'the breakdown counts February and March'
  )
  t.notMatch(html, /hidden \(\d+ answers\)/, 'no agent is hidden')
  t.match(html, /ann/)
  t.match(html, /bo/)
})

t.test('the report of too few answers: counts only, no scores, no comments', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app, { kind: 'post_case', min_group_size: 5, min_comment_group_size: 40 })
  await seedAnswers(app, survey.id, [
    ...answers('2026-03-02', [5, 5, 5, 5, 5, 5], {}, { comment: 'a comment from a small group' })
  ])
  const html = (await api(app, { url: `/v1/surveys/${survey.id}/report` })).body
  t.notMatch(html, 'a comment from a small group', 'comments need min_comment_group_size answers')
  t.match(html, /data-comments-hidden>Comments are shown once at least 40 comments have come in/)
  const none = await createSurvey(app)
  await seedAnswers(app, none.id, answers('2026-03-02', [1, 2, 3]))
  const small = (await api(app, { url: `/v1/surveys/${none.id}/report` })).body
  t.match(small, /data-suppressed>/)
  t.match(small, '3 newer answers are counted once at least 5 have come in.')
  const one = await createSurvey(app)
  await seedAnswers(app, one.id, answers('2026-03-02', [1]))
  t.match(
    (await api(app, { url: `/v1/surveys/${one.id}/report` })).body,
    '1 newer answer is counted once at least 5 have come in.',
    'one answer, in the singular'
  )
  t.match(
    (await api(app, { url: `/v1/surveys/${one.id}/report?locale=de` })).body,
    '1 neuere Antwort wird gezählt, sobald mindestens 5 vorliegen.'
  )
  t.match(
    (await api(app, { url: `/v1/surveys/${one.id}/report?locale=nb` })).body,
    '1 nyere svar telles når minst 5 har kommet inn.'
  )
  t.notMatch(small, /<svg /, 'no chart of scores')
  t.notMatch(small, /data-metric-score/)
})

t.test('share links: read-only, no API key, expiring and revocable; only a hash is kept', async t => {
  const clock = testClock(TODAY)
  const lines: string[] = []
  // The service's own logger options (with its redaction), writing into `lines`.
  const app = await build(t, {
    clock,
    logger: { ...loggerOptions({ logLevel: 'info' }), stream: { write: (l: string) => lines.push(l) } }
  })
  const id = await surveyWithAnswers(app)
  const made = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${id}/share-links`,
    payload: { expires_in_days: 7, interval: 'week', locale: 'nb' }
  })
  t.equal(made.statusCode, 201)
  const link = made.json()
  t.match(link, {
    survey_id: id,
    status: 'active',
    revoked_at: null,
    options: { interval: 'week', locale: 'nb' },
    expires_at: '2026-03-27T10:00:00.000Z'
  })
  const url = new URL(link.url)
  t.match(url.pathname, /^\/r\/[A-Za-z0-9_-]{43}$/)
  const token = url.pathname.slice(3)

  const stored = await app.store.db.select().from(tables(app.store.db).shareLinks)
  t.equal(stored.length, 1)
  t.equal(stored[0]!.tokenHash, createHash('sha256').update(token).digest('hex'), "the database holds the token's hash")
  t.notOk(JSON.stringify(stored).includes(token), 'and never the token')

  const page = await app.inject({ url: url.pathname })
  t.equal(page.statusCode, 200, 'no API key needed')
  t.match(page.body, '<html lang="nb">')
  t.match(page.body, 'Over tid')
  assertSelfContained(t, page.body)
  t.notOk(
    lines.some(l => l.includes(token)),
    'the token never reaches the log'
  )
  t.ok(
    lines.some(l => l.includes('"url":"/r/:token"')),
    'the request is logged by its route pattern'
  )

  const listed = (await api(app, { url: `/v1/surveys/${id}/share-links` })).json()
  t.match(listed.items, [{ id: link.id, url: null, status: 'active' }], 'the link is given once; lists never show it')

  clock.advanceDays(8)
  const expired = await app.inject({ url: url.pathname })
  t.equal(expired.statusCode, 410)
  t.match(expired.headers['content-type'], /^text\/html/)
  t.match(expired.body, 'This report link has expired')
  const asJson = await app.inject({ url: url.pathname, headers: { accept: 'application/json' } })
  t.equal(asJson.statusCode, 410)
  t.match(asJson.json(), { status: 410, code: 'link_expired' })
  t.match((await api(app, { url: `/v1/surveys/${id}/share-links` })).json().items, [{ status: 'expired' }])

  const second = (await api(app, { method: 'POST', url: `/v1/surveys/${id}/share-links`, payload: {} })).json()
  t.equal(
    second.expires_at,
    new Date(clock.now().getTime() + 14 * 86_400_000).toISOString(),
    'links last 14 days unless told'
  )
  const path = new URL(second.url).pathname
  t.equal((await app.inject({ url: path })).statusCode, 200)
  const revoked = await api(app, { method: 'DELETE', url: `/v1/share-links/${second.id}` })
  t.equal(revoked.statusCode, 200)
  t.match(revoked.json(), { status: 'revoked', revoked_at: clock.now().toISOString() })
  const gone = await app.inject({ url: path })
  t.equal(gone.statusCode, 410)
  t.match(gone.body, 'withdrawn')
  t.match((await app.inject({ url: path, headers: { accept: 'application/json' } })).json(), { code: 'link_revoked' })
  clock.advanceDays(1)
  t.equal(
    (await api(app, { method: 'DELETE', url: `/v1/share-links/${second.id}` })).json().revoked_at,
    revoked.json().revoked_at,
    'revoking again changes nothing'
  )

  const unknown = await app.inject({ url: '/r/not-a-real-token' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.body, 'does not exist')
  t.match((await app.inject({ url: '/r/not-a-real-token', headers: { accept: 'application/json' } })).json(), {
    status: 404,
    code: 'not_found'
  })
})

t.test('share links: bad input changes nothing', async t => {
  const app = await build(t, { clock: testClock(TODAY) })
  const survey = await createSurvey(app)
  for (const [payload, path] of [
    [{ expires_in_days: 0 }, 'body.expires_in_days'],
    [{ expires_in_days: 400 }, 'body.expires_in_days'],
    [{ locale: 'fr' }, 'body.locale'],
    [{ from: '2026-03-05', to: '2026-03-01' }, 'body.to'],
    [{ colour: 'red' }, 'body.colour']
  ] as const) {
    const res = await api(app, { method: 'POST', url: `/v1/surveys/${survey.id}/share-links`, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().errors[0].path, path)
  }
  t.equal((await api(app, { method: 'POST', url: '/v1/surveys/srv_nope/share-links', payload: {} })).statusCode, 404)
  t.equal((await api(app, { method: 'DELETE', url: '/v1/share-links/shl_nope' })).statusCode, 404)
  t.same((await api(app, { url: `/v1/surveys/${survey.id}/share-links` })).json(), { items: [] })
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/share-links`, payload: {} })).statusCode,
    401
  )
})
