import type { Page } from 'playwright-core'
import t from 'tap'
import { api, build } from './helpers/build.js'
import { axe, launch, pageErrors } from './helpers/browser.js'
import { CLIENT_ID, CLIENT_SECRET, signInAtProvider, startProvider } from './helpers/oidc.js'
import { createSurvey } from './helpers/seed.js'

// The console in real Chromium, by keyboard only, in three languages: no script needed, nothing
// blocked by the CSP, no serious accessibility violation (docs/access.md).

const PUBLIC_URL = 'http://127.0.0.1:39998'
const { issuer } = await startProvider(t, `${PUBLIC_URL}/console/callback`, { ana: ['puls-team-it'] })
const app = await build(t, {
  env: {
    PUBLIC_URL,
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    OIDC_SCOPE: 'openid groups',
    OIDC_TEAM_PREFIX: 'puls-team-'
  }
})
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const browser = await launch(t)
const survey = await createSurvey(app, { team: 'it', name: 'IT service desk' })
await api(app, { method: 'POST', url: `/v1/surveys/${survey.id}/collectors`, payload: { label: 'Front desk' } })

/** A session cookie, from a sign-in through the provider. */
async function session (): Promise<string> {
  const start = await app.inject({ url: '/console/login' })
  const flow = (start.cookies as Array<{ name: string, value: string }>).map(c => `${c.name}=${c.value}`).join('; ')
  const callback = await signInAtProvider(start.headers.location as string, 'ana')
  const done = await app.inject({ url: `${callback.pathname}${callback.search}`, headers: { cookie: flow } })
  return (done.cookies as Array<{ name: string, value: string }>).find(c => c.name === 'puls_session')!.value
}

/** Tabs until the focused element's text or label matches, at most 30 times. */
async function tabTo (page: Page, text: RegExp): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = (globalThis as any).document.activeElement
      return `${el?.textContent ?? ''} ${el?.getAttribute?.('aria-label') ?? ''} ${el?.id ?? ''}`
    })
    if (text.test(focused)) return
  }
  throw new Error(`no focusable element matches ${text}`)
}

const WORDS = {
  en: { makeLink: /Make a share link/, copied: 'Copy this link now' },
  de: { makeLink: /Freigabelink erstellen/, copied: 'Kopieren Sie diesen Link jetzt' },
  nb: { makeLink: /Lag en delingslenke/, copied: 'Kopier lenken nå' }
}

for (const locale of ['en', 'de', 'nb'] as const) {
  t.test(`${locale}: from the survey list to a share link, by keyboard`, async t => {
    const context = await browser.newContext({ locale, javaScriptEnabled: false })
    await context.addCookies([{ name: 'puls_session', value: await session(), url: `${base}/console` }])
    const page = await context.newPage()
    const errors = pageErrors(page)
    t.equal((await page.goto(`${base}/console`))?.status(), 200)
    t.equal(await page.getAttribute('html', 'lang'), locale)
    // axe runs through the DevTools protocol, which needs script: checked on a second context below.
    await tabTo(page, /IT service desk/)
    await Promise.all([page.waitForURL(new RegExp(`/console/surveys/${survey.id}$`)), page.keyboard.press('Enter')])
    t.match(await page.textContent('body'), 'Front desk')
    await tabTo(page, WORDS[locale].makeLink)
    await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')])
    await page.waitForSelector('a[href*="/r/"]')
    t.match(await page.textContent('body'), WORDS[locale].copied)
    t.same(errors, [], 'nothing blocked by the CSP')
    await context.close()
  })

  t.test(`${locale}: the console pages have no serious accessibility violation`, async t => {
    const context = await browser.newContext({ locale })
    await context.addCookies([{ name: 'puls_session', value: await session(), url: `${base}/console` }])
    const page = await context.newPage()
    for (const path of ['/console', `/console/surveys/${survey.id}`]) {
      await page.goto(`${base}${path}`)
      t.same(await axe(page), [], `${path}: axe`)
    }
    await context.close()
  })
}
