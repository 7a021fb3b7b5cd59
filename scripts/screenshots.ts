import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { chromium, type BrowserContextOptions } from 'playwright-core'
import app, { serverOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { CHROMIUM_ARGS, ensureChromium } from '../test/helpers/browser.js'
import { CLIENT_ID, CLIENT_SECRET, signInAtProvider, startProvider } from '../test/helpers/oidc.js'

// `npm run screenshots`: the README's pictures in docs/, taken from the real service in Debian's
// Chromium: the survey page with its default items (as a mail's button opens it, and after a low
// score) and the thank-you page on a phone, the poster at A4, the report on a desk.
// Every answer goes in through the survey page's own POST, on days in the past (an injected
// clock), so that the report has twelve weeks of released answers to draw.

const KEY = 'screenshots-key-0123456789abcdef'
const docs = new URL('../docs/', import.meta.url).pathname
mkdirSync(docs, { recursive: true })
const dataDir = mkdtempSync(join(tmpdir(), 'puls-shots-'))
const DAY = 86_400_000
const today = new Date()
let now = new Date(today)
const closers: Array<() => unknown> = []
// A real OpenID Connect provider on 127.0.0.1 for the console's picture (test/helpers/oidc.ts).
const { issuer } = await startProvider({ teardown: fn => closers.push(fn) }, 'https://puls.example.com/console/callback', {
  'kari.lead': ['puls-team-it']
})
const config = loadConfig({
  PULS_DATA_DIR: dataDir,
  PULS_API_KEY: KEY,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_MAX: '0',
  PUBLIC_URL: 'https://puls.example.com',
  OIDC_ISSUER: issuer,
  OIDC_CLIENT_ID: CLIENT_ID,
  OIDC_CLIENT_SECRET: CLIENT_SECRET,
  OIDC_SCOPE: 'openid groups',
  OIDC_TEAM_PREFIX: 'puls-team-'
})
const server = Fastify(serverOptions(config))
await server.register(app, { config, clock: { now: () => new Date(now) } })
await server.listen({ host: '127.0.0.1', port: 0 })
const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`
const auth = { authorization: `Bearer ${KEY}` }

async function api (method: 'GET' | 'POST', url: string, payload?: object): Promise<any> {
  const res = await server.inject({ method, url, headers: auth, ...(payload === undefined ? {} : { payload }) })
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
  return res.json()
}
const tokenOf = (url: string): string => url.slice(url.lastIndexOf('/s/') + 3)

const survey = await api('POST', '/v1/surveys', {
  name: 'IT service desk, after a case',
  kind: 'post_case',
  team: 'it',
  metric: 'csat'
})

// Twelve weeks of invitations on working days, about seven in ten answered, from four agents and
// three categories; a deterministic spread that improves over time, a comment now and then.
const AGENTS = ['Ola', 'Kari', 'Jonas', 'Ingrid']
const CATEGORIES = ['Laptop', 'Access', 'VPN']
const COMMENTS = [
  'Quick and friendly, thanks!',
  'Took two days, but solved.',
  'Very helpful on the phone.',
  'Had to explain it twice.',
  'Great, fixed while I waited.'
]
const REASONS = ['waiting', 'repeat', 'not_solved', 'unfriendly', 'other']
let n = 0
let answered = 0
for (let d = 84; d >= 1; d--) {
  now = new Date(today.getTime() - d * DAY)
  if (now.getUTCDay() === 0 || now.getUTCDay() === 6) continue
  const count = 4 + ((d * 7) % 5)
  const invitations = Array.from({ length: count }, (_, i) => ({
    channel: 'link',
    attributes: { agent: AGENTS[(d + i) % 4]!, category: CATEGORIES[(d * 3 + i) % 3]! }
  }))
  const { items } = await api('POST', `/v1/surveys/${survey.id}/invitations/batch`, { invitations })
  for (const item of items as Array<{ url: string }>) {
    const r = ((++n * 2654435761) % 4294967296) / 4294967296
    if (r > 0.7) continue
    const score = Math.max(1, Math.min(5, Math.round(1.6 + (r / 0.7) * 3.4 + (84 - d) / 84)))
    // The post-case defaults: solved at first contact (more often as scores rise), and after a
    // low score what went wrong.
    const items: Record<string, string | string[]> = { fcr: r < 0.1 + score * 0.1 ? 'yes' : 'no' }
    if (score <= 3) items.reasons = REASONS.filter((_, k) => (n + k) % 3 === 0).slice(0, 2)
    const res = await server.inject({
      method: 'POST',
      url: `/s/${tokenOf(item.url)}`,
      payload: { score, items, ...(n % 17 === 0 ? { comment: COMMENTS[n % COMMENTS.length] } : {}) }
    })
    if (res.statusCode !== 201) throw new Error(res.body)
    answered++
  }
}
now = new Date(today)
const link = (await api('POST', `/v1/surveys/${survey.id}/invitations`, { channel: 'link', case_ref: 'INC-4711' })).url
const lowLink = (await api('POST', `/v1/surveys/${survey.id}/invitations`, { channel: 'link', case_ref: 'INC-4712' }))
  .url
const collector = await api('POST', `/v1/surveys/${survey.id}/collectors`, {
  label: 'Oslo HQ, floor 3, IT walk-up desk',
  attributes: { location: 'Oslo HQ', floor: '3' }
})

const browser = await chromium.launch({ executablePath: await ensureChromium(), headless: true, args: CHROMIUM_ARGS })
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'en-GB'
}
try {
  const admin = await browser.newContext({
    extraHTTPHeaders: auth,
    viewport: { width: 794, height: 1123 },
    deviceScaleFactor: 1
  })
  const poster = await admin.newPage()
  await poster.goto(`${base}/v1/collectors/${collector.id}/poster`)
  await poster.emulateMedia({ media: 'print' })
  await poster.screenshot({ path: join(docs, 'poster.png') })

  const desk = await browser.newContext({
    extraHTTPHeaders: auth,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1
  })
  const report = await desk.newPage()
  await report.goto(`${base}/v1/surveys/${survey.id}/report?group_by=agent`)
  await report.screenshot({ path: join(docs, 'report.png'), fullPage: true })

  // The console's survey page, as a team lead signed in through the provider sees it.
  const start = await server.inject({ url: '/console/login' })
  const flow = (start.cookies as Array<{ name: string, value: string }>).map(c => `${c.name}=${c.value}`).join('; ')
  const callback = await signInAtProvider(start.headers.location as string, 'kari.lead')
  const signedIn = await server.inject({ url: `${callback.pathname}${callback.search}`, headers: { cookie: flow } })
  const session = (signedIn.cookies as Array<{ name: string, value: string }>).find(c => c.name === 'puls_session')
  if (session === undefined) throw new Error(`console sign-in: ${signedIn.statusCode} ${signedIn.body.slice(0, 200)}`)
  const lead = await browser.newContext({ viewport: { width: 1024, height: 900 }, deviceScaleFactor: 1 })
  // The cookie is Secure (PUBLIC_URL is https); given here without it for the plain-http socket.
  await lead.addCookies([{ name: 'puls_session', value: session.value, url: `${base}/console` }])
  const consolePage = await lead.newPage()
  await consolePage.goto(`${base}/console/surveys/${survey.id}`)
  await consolePage.screenshot({ path: join(docs, 'console.png'), fullPage: true })
  // Last: this answer is today's, so it would show in the report as one not released yet.
  const phone = await browser.newContext(PHONE)
  const page = await phone.newPage()
  // As a mail's one-click button opens it: 4 chosen, solved at first contact, a comment typed.
  await page.goto(`${base}/s/${tokenOf(link)}?score=4`)
  await page.check('#item-fcr-yes')
  await page.fill('#comment', 'Quick and friendly, thanks!')
  await page.locator('#comment').blur()
  await page.screenshot({ path: join(docs, 'survey-page.png'), fullPage: true })
  await Promise.all([page.waitForURL(/\/thanks$/), page.click('button[type=submit]')])
  await page.screenshot({ path: join(docs, 'thank-you.png') })
  // A 2 from the mail: the page asks what went wrong (CSS only, no script).
  const low = await phone.newPage()
  await low.goto(`${base}/s/${tokenOf(lowLink)}?score=2`)
  await low.check('#item-fcr-no')
  await low.check('#item-reasons-repeat')
  await low.screenshot({ path: join(docs, 'survey-low-score.png'), fullPage: true })

  console.log(
    'docs/survey-page.png, docs/survey-low-score.png, docs/thank-you.png, docs/poster.png, docs/report.png, ' +
      'docs/console.png ' +
      `(${answered} answers to ${n} invitations behind the report)`
  )
} finally {
  await browser.close()
  await server.close()
  for (const close of closers) await close()
  rmSync(dataDir, { recursive: true, force: true })
}
