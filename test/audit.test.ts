import { sql } from 'drizzle-orm'
import t from 'tap'
import { createApiKey } from '../src/auth/keys.js'
import { maintenanceJobs } from '../src/plugins/jobs.js'
import { api, build, testClock } from './helpers/build.js'
import { cliOn } from './helpers/cli.js'
import { linkToken, submitForm } from './helpers/puls.js'
import { answers, createSurvey, seedAnswers } from './helpers/seed.js'
import { all as dbAll, run as dbRun } from '../src/db/dialect.js'

// The audit trail (docs/access.md): each recorded action once, with who, what, which survey and
// the hour; nothing else, and never an answer, a respondent, an address or a token.

type App = Awaited<ReturnType<typeof build>>
const events = async (app: App) =>
  await dbAll<Record<string, string | null>>(app.store.db, sql`SELECT * FROM audit_events ORDER BY action, actor`)

const cli = (app: App, ...args: string[]) => cliOn(app, args)

t.test(
  'each read of results, report and CSV, each share link made or revoked, is recorded once, to the hour',
  async t => {
    const clock = testClock('2026-03-09T09:37:12Z')
    const app = await build(t, { clock })
    const reader = await createApiKey(app.store.db, { name: 'it lead', role: 'reader', teams: ['it'] }, clock.now())
    const as = { authorization: `Bearer ${reader.key}` }
    const survey = await createSurvey(app, { team: 'it' })
    await seedAnswers(
      app,
      survey.id,
      answers('2026-03-02', [5, 4, 5, 3, 5, 4, 5, 2], {}, { comment: 'the printer on floor 3' })
    )
    t.same(await events(app), [], 'making a survey is not audited')

    const calls: Array<[string, string, object?]> = [
      ['GET', `/v1/surveys/${survey.id}/results`],
      ['GET', '/v1/results?team=it&metric=nps'],
      ['GET', `/v1/surveys/${survey.id}/report`],
      ['GET', `/v1/surveys/${survey.id}/responses.csv`],
      ['POST', `/v1/surveys/${survey.id}/share-links`, {}]
    ]
    const answered = []
    for (const [method, url, payload] of calls) {
      answered.push(await app.inject({ method: method as 'GET', url, payload, headers: as }))
    }
    t.same(
      answered.map(r => r.statusCode),
      [200, 200, 200, 200, 201]
    )
    const link = answered.at(-1)!.json()
    t.equal(
      (await app.inject({ url: link.url.replace(app.config.publicUrl, '') })).statusCode,
      200,
      'the shared report opens'
    )
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/share-links/${link.id}`, headers: as })).statusCode, 200)

    const at = {
      hour: '2026-03-09T09',
      actor_kind: 'key',
      actor: reader.id,
      team: 'it',
      survey_id: survey.id,
      target: null
    }
    const byJson = (a: object, b: object) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)
    const norm = (e: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(e)
          .filter(([k]) => k !== 'id')
          .sort()
      )
    t.same(
      (await events(app)).map(norm).sort(byJson),
      [
        { ...at, action: 'csv.read' },
        { ...at, action: 'report.read' },
        { ...at, action: 'report.read', actor_kind: 'share_link', actor: link.id, team: null },
        { ...at, action: 'results.read' },
        { ...at, action: 'results.read', survey_id: null },
        { ...at, action: 'share_link.create' },
        { ...at, action: 'share_link.revoke', target: link.id }
      ]
        .map(norm)
        .sort(byJson)
    )

    const api = await app.inject({ url: `/v1/audit?survey_id=${survey.id}&action=report.read` })
    t.equal(api.statusCode, 401, 'the trail needs a key')
    const listed = await app.inject({
      url: `/v1/audit?survey_id=${survey.id}&action=report.read`,
      headers: { authorization: 'Bearer test-bootstrap-key-0123456789' }
    })
    t.equal(listed.statusCode, 200)
    t.same(
      listed
        .json()
        .items.map((e: { actor: string; at: string }) => [e.at, e.actor])
        .sort(),
      [
        ['2026-03-09T09:00Z', link.id],
        ['2026-03-09T09:00Z', reader.id]
      ].sort()
    )
    t.equal((await app.inject({ url: '/v1/audit', headers: as })).statusCode, 403, 'a reader cannot read the trail')
  }
)

t.test(
  'refused and failed reads, answering, inviting and listing record nothing, ' +
    'and no answer, address or token lands there',
  async t => {
    const app = await build(t)
    const reader = await createApiKey(app.store.db, { name: 'it lead', role: 'reader', teams: ['it'] }, new Date())
    const as = { authorization: `Bearer ${reader.key}` }
    const it = await createSurvey(app, { team: 'it' })
    const hr = await createSurvey(app, { team: 'hr' })
    const token = await linkToken(app, it.id, {
      email: 'kari.nordmann@example.com',
      case_ref: 'HD-4711',
      attributes: { agent: 'ola' }
    })
    t.equal((await submitForm(app, token, { score: '4', comment: 'secret comment text' })).statusCode, 303)
    await api(app, { url: '/v1/surveys' })
    await api(app, { url: `/v1/surveys/${it.id}/share-links` })
    const refused = [
      await app.inject({ url: `/v1/surveys/${hr.id}/results`, headers: as }),
      await app.inject({ url: '/v1/results?team=hr&metric=nps', headers: as }),
      await app.inject({ url: '/v1/surveys/srv_unknown/report', headers: as }),
      await app.inject({ url: `/v1/surveys/${it.id}/results?from=2026-13-01`, headers: as })
    ]
    t.same(
      refused.map(r => r.statusCode),
      [404, 403, 404, 400]
    )
    t.same(await events(app), [], 'nothing recorded')

    await app.inject({ url: `/v1/surveys/${it.id}/results`, headers: as })
    const link = (
      await app.inject({ method: 'POST', url: `/v1/surveys/${it.id}/share-links`, headers: as, payload: {} })
    ).json()
    await app.inject({ url: link.url.replace(app.config.publicUrl, '') })
    const dump = JSON.stringify(await events(app))
    t.equal((await events(app)).length, 3)
    for (const secret of [
      'kari',
      'example.com',
      'HD-4711',
      'ola',
      'secret comment',
      token,
      reader.key,
      link.url.split('/r/')[1]
    ]) {
      t.notOk(dump.includes(secret), `the trail holds no ${secret.slice(0, 12)}…`)
    }
    t.same(Object.keys((await events(app))[0]!).sort(), [
      'action',
      'actor',
      'actor_kind',
      'hour',
      'id',
      'survey_id',
      'target',
      'team'
    ])
  }
)

t.test('keys made and revoked by the CLI are recorded; `audit` prints the trail with filters', async t => {
  const app = await build(t)
  const made = await cli(app, 'keys', 'create', '--role', 'reader', '--teams', 'it')
  const id = /created API key (key_\S+)/.exec(made.out[0]!)![1]!
  t.equal((await cli(app, 'keys', 'revoke', id)).code, 0)
  t.equal((await cli(app, 'keys', 'revoke', id)).code, 1)
  const rows = (await events(app)).map(e => [e.actor, e.action, e.target])
  t.same(
    rows,
    [
      ['cli', 'key.create', id],
      ['cli', 'key.revoke', id]
    ],
    'a refused revocation records nothing'
  )

  const printed = await cli(app, 'audit', '--action', 'key.revoke')
  t.equal(printed.code, 0)
  t.equal(printed.out.length, 1)
  t.match(printed.out[0], new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:00Z\\tcli\\tcli\\tkey.revoke\\t-\\t-\\t${id}$`))
  const bad = await cli(app, 'audit', '--action', 'answer.read')
  t.equal(bad.code, 2)
  t.match(bad.err.join(''), /--action/)
  t.match((await cli(app, 'audit', '--survey', 'srv_none')).out, ['no audit events'])
})

t.test('GET /v1/audit pages newest first and filters by day, actor and team', async t => {
  const clock = testClock('2026-03-01T10:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { team: 'it' })
  for (let day = 1; day <= 5; day++) {
    clock.set(`2026-03-0${day}T1${day}:30:00Z`)
    await api(app, { url: `/v1/surveys/${survey.id}/results` })
  }
  const page1 = (await api(app, { url: '/v1/audit?limit=2' })).json()
  t.same(
    page1.items.map((e: { at: string }) => e.at),
    ['2026-03-05T15:00Z', '2026-03-04T14:00Z']
  )
  const page2 = (await api(app, { url: `/v1/audit?limit=2&cursor=${page1.next_cursor}` })).json()
  t.same(
    page2.items.map((e: { at: string }) => e.at),
    ['2026-03-03T13:00Z', '2026-03-02T12:00Z']
  )
  const page3 = (await api(app, { url: `/v1/audit?limit=2&cursor=${page2.next_cursor}` })).json()
  t.equal(page3.items.length, 1)
  t.equal(page3.next_cursor, null)
  t.same(
    (await api(app, { url: '/v1/audit?from=2026-03-02&to=2026-03-03' })).json().items.map((e: { at: string }) => e.at),
    ['2026-03-03T13:00Z', '2026-03-02T12:00Z']
  )
  t.equal((await api(app, { url: '/v1/audit?actor=bootstrap&team=it' })).json().items.length, 5)
  t.equal((await api(app, { url: '/v1/audit?team=hr' })).json().items.length, 0)
  const bad = await api(app, { url: '/v1/audit?cursor=nonsense' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().errors, [{ path: 'query.cursor' }])
})

t.test('the trail is append-only and kept AUDIT_RETAIN_DAYS', async t => {
  const clock = testClock('2026-01-01T08:00:00Z')
  const app = await build(t, { clock, env: { AUDIT_RETAIN_DAYS: '30' } })
  const survey = await createSurvey(app, { team: 'it' })
  await api(app, { url: `/v1/surveys/${survey.id}/results` })
  clock.set('2026-01-25T08:00:00Z')
  await api(app, { url: `/v1/surveys/${survey.id}/report` })
  const update = async () => await dbRun(app.store.db, sql`UPDATE audit_events SET actor = 'someone else'`)
  // The trigger's message, as SQLite's RAISE(ABORT) and PostgreSQL's RAISE EXCEPTION give it.
  await t.rejects(update(), { cause: { message: 'audit_events is append-only' } }, 'an event cannot be changed')
  t.same((await events(app)).map(e => e.actor), ['bootstrap', 'bootstrap'], 'nothing changed')

  const job = maintenanceJobs(app).find(j => j.name === 'audit-retention')!
  t.same(await job.run(app.store.db, new Date('2026-01-31T07:00:00Z')), { audit_events: 0 }, 'within 30 days: kept')
  t.same(await job.run(app.store.db, new Date('2026-01-31T09:00:00Z')), { audit_events: 1 }, 'the first is now older')
  t.same(
    (await events(app)).map(e => e.action),
    ['report.read']
  )
})
