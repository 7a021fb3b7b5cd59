import { sql } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { all as dbAll } from '../src/db/dialect.js'
import { api, build, testClock } from './helpers/build.js'
import { CLIENT_ID, CLIENT_SECRET, signInAtProvider, startProvider } from './helpers/oidc.js'
import { createSurvey } from './helpers/seed.js'

// Sign-in for people against a real OpenID Connect provider on 127.0.0.1 (docs/access.md).

const PUBLIC_URL = 'http://127.0.0.1:39999'
const GROUPS: Record<string, string[]> = {
  ana: ['puls-team-it', 'staff'],
  boss: ['puls-admins'],
  bob: ['staff']
}

type App = Awaited<ReturnType<typeof build>>
const cookiesOf = (res: LightMyRequestResponse): Record<string, string> =>
  Object.fromEntries((res.cookies as Array<{ name: string; value: string }>).map(c => [c.name, c.value]))
const header = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')

async function setup (t: { teardown: (fn: () => unknown) => void }) {
  const { issuer } = await startProvider(t, `${PUBLIC_URL}/console/callback`, GROUPS)
  const clock = testClock('2026-03-09T09:00:00Z')
  const app = await build(t, {
    clock,
    env: {
      PUBLIC_URL,
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_SCOPE: 'openid groups',
      OIDC_TEAM_PREFIX: 'puls-team-',
      OIDC_ADMIN_GROUP: 'puls-admins',
      SESSION_TTL_MINUTES: '60'
    }
  })
  return { app, clock }
}

/** The login redirect and the callback the provider sends the browser back with. */
async function startSignIn (app: App, login: string): Promise<{ flow: Record<string, string>; callback: URL }> {
  const start = await app.inject({ url: '/console/login' })
  if (start.statusCode !== 302) throw new Error(`/console/login: ${start.statusCode} ${start.body.slice(0, 200)}`)
  const flow = cookiesOf(start)
  const callback = await signInAtProvider(start.headers.location as string, login)
  return { flow, callback }
}

const finish = (app: App, flow: Record<string, string>, callback: URL) =>
  app.inject({ url: `${callback.pathname}${callback.search}`, headers: { cookie: header(flow) } })

async function signIn (app: App, login: string): Promise<Record<string, string>> {
  const { flow, callback } = await startSignIn(app, login)
  const res = await finish(app, flow, callback)
  if (res.statusCode !== 303) throw new Error(`sign-in as ${login}: ${res.statusCode} ${res.body.slice(0, 200)}`)
  return { puls_session: cookiesOf(res).puls_session! }
}

t.test("a person signs in, sees their team's surveys and reports only, and signs out", async t => {
  const { app } = await setup(t)
  const it = await createSurvey(app, { team: 'it', name: 'IT service desk' })
  const hr = await createSurvey(app, { team: 'hr', name: 'HR onboarding' })

  const { flow, callback } = await startSignIn(app, 'ana')
  t.equal(callback.origin + callback.pathname, `${PUBLIC_URL}/console/callback`)
  const done = await finish(app, flow, callback)
  t.equal(done.statusCode, 303)
  t.equal(done.headers.location, '/console')
  const session = (
    done.cookies as Array<{ name: string; value: string; httpOnly?: boolean; sameSite?: string; path?: string }>
  ).find(c => c.name === 'puls_session')!
  t.match(session, { httpOnly: true, sameSite: 'Lax', path: '/console' })
  t.notMatch(session.value, /puls-team-it/, 'no readable group list, only a signed value')
  const cookie = { cookie: `puls_session=${session.value}` }

  const home = await app.inject({ url: '/console', headers: { ...cookie, 'accept-language': 'de' } })
  t.equal(home.statusCode, 200)
  t.match(home.body, '<html lang="de">')
  t.match(home.body, 'IT service desk')
  t.notMatch(home.body, 'HR onboarding')
  t.notMatch(home.body, '<script')
  t.equal(
    (await app.inject({ url: `/console/surveys/${it.id}/report?from=2026-01-01`, headers: cookie })).statusCode,
    200
  )
  t.equal(
    (await app.inject({ url: `/console/surveys/${hr.id}/report`, headers: cookie })).statusCode,
    404,
    "another team's report"
  )
  t.equal(
    (await app.inject({ url: `/console/surveys/${hr.id}`, headers: cookie })).statusCode,
    404,
    "another team's survey"
  )

  type Event = { actor: string; actor_kind: string; action: string; survey_id: string | null }
  const audit = await dbAll<Event>(app.store.db,
    sql`SELECT actor, actor_kind, action, survey_id FROM audit_events ORDER BY action`
  )
  t.same(audit, [
    { actor: 'ana', actor_kind: 'person', action: 'report.read', survey_id: it.id },
    { actor: 'ana', actor_kind: 'person', action: 'sign_in', survey_id: null }
  ])

  const forged = await app.inject({
    method: 'POST',
    url: '/console/logout',
    headers: cookie,
    payload: { csrf: 'guess' }
  })
  t.equal(forged.statusCode, 403, "a form without the session's token is refused")
  const csrf = /name="csrf" value="([^"]+)"/.exec(home.body)![1]!
  const out = await app.inject({ method: 'POST', url: '/console/logout', headers: cookie, payload: { csrf } })
  t.equal(out.statusCode, 200)
  t.match(cookiesOf(out), { puls_session: '' }, 'the session cookie is cleared')
})

t.test('the survey page: collectors with QR code and poster, share links made and revoked by form', async t => {
  const { app } = await setup(t)
  const it = await createSurvey(app, { team: 'it', name: 'IT service desk' })
  const hr = await createSurvey(app, { team: 'hr', name: 'HR onboarding' })
  const desk = (
    await api(app, { method: 'POST', url: `/v1/surveys/${it.id}/collectors`, payload: { label: 'Front desk' } })
  ).json()
  const hrDesk = (
    await api(app, { method: 'POST', url: `/v1/surveys/${hr.id}/collectors`, payload: { label: 'HR desk' } })
  ).json()
  const cookie = { cookie: header(await signIn(app, 'ana')), 'accept-language': 'nb' }

  const page = await app.inject({ url: `/console/surveys/${it.id}`, headers: cookie })
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Front desk')
  t.match(page.body, 'Innsamlingspunkter', "in the browser's language")
  t.match(page.body, `href="/console/collectors/${desk.id}/poster"`)
  const qr = await app.inject({ url: `/console/collectors/${desk.id}/qr.svg`, headers: cookie })
  t.equal(qr.statusCode, 200)
  t.match(qr.headers['content-type'], 'image/svg+xml')
  t.equal((await app.inject({ url: `/console/collectors/${desk.id}/poster`, headers: cookie })).statusCode, 200)
  t.equal((await app.inject({ url: `/console/collectors/${hrDesk.id}/poster`, headers: cookie })).statusCode, 404)

  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!
  const form = (url: string, fields: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url,
      payload: new URLSearchParams(fields).toString(),
      headers: { ...cookie, 'content-type': 'application/x-www-form-urlencoded' }
    })
  t.equal((await form(`/console/surveys/${it.id}/share-links`, { csrf: 'x', expires_in_days: '7' })).statusCode, 403)
  t.equal((await form(`/console/surveys/${hr.id}/share-links`, { csrf, expires_in_days: '7' })).statusCode, 404)
  const made = await form(`/console/surveys/${it.id}/share-links`, { csrf, expires_in_days: '7' })
  t.equal(made.statusCode, 200)
  const url = /href="(http[^"]+\/r\/[^"]+)"/.exec(made.body)![1]!
  const shared = url.replace(PUBLIC_URL, '')
  t.equal((await app.inject({ url: shared })).statusCode, 200, 'the link opens the report')
  const linkId = (await api(app, { url: `/v1/surveys/${it.id}/share-links` })).json().items[0].id
  t.match((await app.inject({ url: `/console/surveys/${it.id}`, headers: cookie })).body, linkId)
  const revoked = await form(`/console/share-links/${linkId}/revoke`, { csrf })
  t.equal(revoked.statusCode, 303)
  t.equal((await app.inject({ url: shared })).statusCode, 410, 'revoked')
  const actions = await dbAll<{ action: string; actor: string; target: string | null }>(app.store.db,
    sql`SELECT action, actor, target FROM audit_events WHERE action LIKE 'share_link%' ORDER BY action`
  )
  t.same(actions, [
    { action: 'share_link.create', actor: 'ana', target: linkId },
    { action: 'share_link.revoke', actor: 'ana', target: linkId }
  ])
})

t.test('an admin group sees every team; a person in no mapped team is refused', async t => {
  const { app } = await setup(t)
  await createSurvey(app, { team: 'it', name: 'IT service desk' })
  await createSurvey(app, { team: 'hr', name: 'HR onboarding' })
  const boss = await signIn(app, 'boss')
  const home = await app.inject({ url: '/console', headers: { cookie: header(boss) } })
  t.match(home.body, 'IT service desk')
  t.match(home.body, 'HR onboarding')

  const { flow, callback } = await startSignIn(app, 'bob')
  const refused = await finish(app, flow, callback)
  t.equal(refused.statusCode, 403)
  t.match(refused.body, 'belongs to no team')
  t.equal(cookiesOf(refused).puls_session, undefined, 'no session')
})

t.test('a wrong state, a replayed code and a missing sign-in are refused', async t => {
  const { app } = await setup(t)
  const { flow, callback } = await startSignIn(app, 'ana')
  const wrong = new URL(callback)
  wrong.searchParams.set('state', 'not-the-state')
  const badState = await finish(app, flow, wrong)
  t.equal(badState.statusCode, 400)
  t.match(badState.body, 'Sign-in did not work')
  t.equal(cookiesOf(badState).puls_session, undefined)

  const second = await startSignIn(app, 'ana')
  t.equal((await finish(app, second.flow, second.callback)).statusCode, 303)
  const replay = await finish(app, second.flow, second.callback)
  t.equal(replay.statusCode, 400, 'the same code a second time')
  t.equal(cookiesOf(replay).puls_session, undefined)

  const noFlow = await app.inject({ url: `${second.callback.pathname}${second.callback.search}` })
  t.equal(noFlow.statusCode, 400)
  t.match(noFlow.body, 'took too long or was already used')
})

t.test('a session ends after SESSION_TTL_MINUTES; a tampered one counts as none', async t => {
  const { app, clock } = await setup(t)
  const session = await signIn(app, 'ana')
  t.equal((await app.inject({ url: '/console', headers: { cookie: header(session) } })).statusCode, 200)
  // The value's last character changed: its signature no longer matches.
  const tampered = session.puls_session!.replace(/.$/, c => (c === 'A' ? 'B' : 'A'))
  const forged = await app.inject({ url: '/console', headers: { cookie: `puls_session=${tampered}` } })
  t.equal(forged.statusCode, 302)
  clock.set('2026-03-09T10:00:01Z')
  const expired = await app.inject({ url: '/console', headers: { cookie: header(session) } })
  t.equal(expired.statusCode, 302)
  t.equal(expired.headers.location, '/console/login')
})

t.test('without OIDC configured there is no console', async t => {
  const app = await build(t)
  t.equal((await app.inject({ url: '/console' })).statusCode, 404)
  t.equal((await app.inject({ url: '/console/login' })).statusCode, 404)
  t.equal((await api(app, { url: '/v1/surveys' })).statusCode, 200)
})
