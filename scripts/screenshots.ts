import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { chromium, type BrowserContextOptions } from 'playwright-core'
import app, { serverOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { CHROMIUM_ARGS, ensureChromium } from '../test/helpers/browser.js'

// `npm run screenshots`: the README's pictures in docs/, taken from the real service in Debian's
// Chromium: the survey page and thank-you page on a phone, the poster at A4, the report on a desk.
// Every answer goes in through the survey page's own POST, on days in the past (an injected
// clock), so that the report has twelve weeks of released answers to draw.

const KEY = 'screenshots-key-0123456789abcdef'
const docs = new URL('../docs/', import.meta.url).pathname
mkdirSync(docs, { recursive: true })
const dataDir = mkdtempSync(join(tmpdir(), 'puls-shots-'))
const DAY = 86_400_000
const today = new Date()
let now = new Date(today)
const config = loadConfig({
  PULS_DATA_DIR: dataDir,
  PULS_API_KEY: KEY,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_MAX: '0',
  PUBLIC_URL: 'https://puls.example.com'
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
    const res = await server.inject({
      method: 'POST',
      url: `/s/${tokenOf(item.url)}`,
      payload: { score, ...(n % 17 === 0 ? { comment: COMMENTS[n % COMMENTS.length] } : {}) }
    })
    if (res.statusCode !== 201) throw new Error(res.body)
    answered++
  }
}
now = new Date(today)
const link = (await api('POST', `/v1/surveys/${survey.id}/invitations`, { channel: 'link', case_ref: 'INC-4711' })).url
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
  // Last: this answer is today's, so it would show in the report as one not released yet.
  const phone = await browser.newContext(PHONE)
  const page = await phone.newPage()
  // As a mail's one-click button opens it: 4 chosen, then a comment typed.
  await page.goto(`${base}/s/${tokenOf(link)}?score=4`)
  await page.fill('#comment', 'Quick and friendly, thanks!')
  await page.locator('#comment').blur()
  await page.screenshot({ path: join(docs, 'survey-page.png') })
  await Promise.all([page.waitForURL(/\/thanks$/), page.click('button[type=submit]')])
  await page.screenshot({ path: join(docs, 'thank-you.png') })

  console.log(
    'docs/survey-page.png, docs/thank-you.png, docs/poster.png, docs/report.png ' +
      `(${answered} answers to ${n} invitations behind the report)`
  )
} finally {
  await browser.close()
  await server.close()
  rmSync(dataDir, { recursive: true, force: true })
}
