import { createServer } from 'node:net'
import type { Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { MESSAGES } from '../src/i18n/messages.js'
import type { Locale } from '../src/schemas.js'
import { API_KEY, api, build } from './helpers/build.js'
import { axe, launch, pageErrors, phone } from './helpers/browser.js'
import { links } from './helpers/html.js'
import { rows } from './helpers/puls.js'
import { decodePng } from './helpers/qr.js'
import { answers, seedAnswers } from './helpers/seed.js'
import { startSmtp } from './helpers/smtp.js'

// A respondent in real Chromium on a phone-sized screen, keyboard only (Tab, arrow keys, Space,
// Enter; never a click), in each locale: from a real mail's one-click link, and from a collector's
// QR code as a phone's camera reads it. Then axe-core on every page the service serves as HTML.
// One service (mail to a real SMTP server in this process) and one browser for the whole file.

const LOCALES: Locale[] = ['en', 'de', 'nb']
const BROWSER_LOCALE: Record<Locale, string> = { en: 'en-GB', de: 'de-DE', nb: 'nb-NO' }
const COMMENT: Record<Locale, string> = {
  en: 'Quick and friendly, thanks!',
  de: 'Schnell und freundlich, danke!',
  nb: 'Rask og hyggelig, takk!'
}

/** A port free right now, so that PUBLIC_URL (printed in mails and QR codes) can name it before listening. */
function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
  })
}

const port = await freePort()
const base = `http://127.0.0.1:${port}`
const smtp = await startSmtp(t)
const app = await build(t, { env: { SMTP_URL: smtp.url, PUBLIC_URL: base } })
await app.listen({ port, host: '127.0.0.1' })
const browser = await launch(t)

/** Presses Tab until the focus is on an element matching `selector` (at most `max` times). */
async function tabTo (page: Page, selector: string, max = 30): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    if (await page.evaluate(s => (globalThis as any).document.activeElement?.matches(s) ?? false, selector)) return
  }
  throw new Error(`Tab never reached ${selector}`)
}

const checkedScore = (page: Page): Promise<string | null> =>
  page.evaluate(() => (globalThis as any).document.querySelector('input[name=score]:checked')?.value ?? null)

/** The page as served: its status, no CSP block or script error, and no serious or critical axe finding. */
async function checkPage (t: Test, page: Page, errors: string[], name: string): Promise<void> {
  t.same(errors, [], `${name}: no console errors, so the CSP blocked nothing of ours`)
  const violations = await axe(page)
  t.same(violations, [], `${name}: no serious or critical accessibility violation`)
}

const survey = (
  await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: { name: 'IT desk after a case', kind: 'post_case', team: 'it', metric: 'csat' }
  })
).json()

t.test(
  "from a mail's one-click link: the score is chosen, a comment added and sent, keyboard only, in each locale",
  async t => {
    for (const [i, locale] of LOCALES.entries()) {
      const email = `kari.${locale}@example.com`
      const invited = await api(app, {
        method: 'POST',
        url: `/v1/surveys/${survey.id}/invitations`,
        payload: { email, case_ref: `INC-${locale}`, locale, attributes: { agent: 'ola' } }
      })
      t.equal(invited.statusCode, 201)
      await smtp.waitFor(i + 1, 20_000)
      const mail = smtp.received.find(m => m.envelope.to.includes(email))!
      const score = 4 - i
      const oneClick = links(String(mail.parsed.html)).find(l => l.href.endsWith(`?score=${score}`))
      t.ok(oneClick, `${locale}: the mail has a button for ${score}`)

      const context = await phone(browser, { locale: BROWSER_LOCALE[locale] })
      const page = await context.newPage()
      const errors = pageErrors(page)
      const res = await page.goto(oneClick!.href)
      t.equal(res?.status(), 200)
      t.equal(await page.getAttribute('html', 'lang'), locale, `${locale}: the invitation's language`)
      t.equal(await checkedScore(page), String(score), `${locale}: the clicked score is chosen`)
      await checkPage(t, page, errors, `${locale} survey page`)

      await tabTo(page, '#comment')
      await page.keyboard.type(COMMENT[locale])
      await tabTo(page, 'button[type=submit]')
      t.equal(await page.textContent('button[type=submit]'), MESSAGES[locale].submit)
      await Promise.all([page.waitForURL(/\/thanks$/), page.keyboard.press('Enter')])
      t.equal(await page.textContent('h1'), MESSAGES[locale].thanksTitle, `${locale}: thanked`)
      await checkPage(t, page, errors, `${locale} thank-you page`)
      await context.close()

      t.same(
        await rows(
          app,
          `SELECT score, comment, locale, channel FROM responses WHERE locale = '${locale}' AND channel = 'email'`
        ),
        [{ score, comment: COMMENT[locale], locale, channel: 'email' }],
        `${locale}: recorded as sent`
      )
    }
  }
)

t.test(
  'from a QR collector as a phone scans it: the scale by arrow keys, a comment, Space to send, in each locale',
  async t => {
    const collector = (
      await api(app, {
        method: 'POST',
        url: `/v1/surveys/${survey.id}/collectors`,
        payload: { label: 'Oslo HQ, floor 3, IT walk-up desk', locale: 'nb', attributes: { floor: '3' } }
      })
    ).json()
    const png = await api(app, { url: `/v1/collectors/${collector.id}/qr?format=png` })
    const url = decodePng(png.rawPayload)
    t.equal(url, collector.url, "the code decodes to the collector's URL")

    for (const [i, locale] of LOCALES.entries()) {
      // Each locale is another person's phone: no cooldown cookie carries over.
      const context = await phone(browser, { locale: BROWSER_LOCALE[locale] })
      const page = await context.newPage()
      const errors = pageErrors(page)
      t.equal((await page.goto(url!))?.status(), 200)
      t.equal(await page.getAttribute('html', 'lang'), locale, `${locale}: the phone's language`)
      t.equal(await checkedScore(page), null, 'nothing chosen yet')
      await checkPage(t, page, errors, `${locale} collector page`)

      // Tab into the radio group lands on its first option; each ArrowRight moves on and chooses.
      await tabTo(page, 'input[name=score]')
      const score = 2 + i
      for (let k = 1; k < score; k++) await page.keyboard.press('ArrowRight')
      t.equal(await checkedScore(page), String(score), `${locale}: ${score} chosen by arrow keys`)
      await tabTo(page, '#comment')
      await page.keyboard.type(COMMENT[locale])
      await tabTo(page, 'button[type=submit]')
      await Promise.all([page.waitForURL(/\/thanks$/), page.keyboard.press('Space')])
      t.equal(await page.textContent('h1'), MESSAGES[locale].thanksTitle, `${locale}: thanked`)
      t.same(errors, [], `${locale}: no console errors`)
      await context.close()

      t.same(
        (await rows<{ attributes: string }>(
          app,
          'SELECT score, comment, channel, attributes FROM responses ' +
            `WHERE locale = '${locale}' AND channel = 'collector'`
        )).map(r => ({ ...r, attributes: JSON.parse(r.attributes) as unknown })),
        [{ score, comment: COMMENT[locale], channel: 'collector', attributes: { floor: '3' } }],
        `${locale}: recorded through the collector`
      )
    }
  }
)

t.test('every other page served as HTML passes axe with no serious or critical violation', async t => {
  const { id } = survey
  const link = async (surveyId = id): Promise<string> =>
    (
      await api(app, { method: 'POST', url: `/v1/surveys/${surveyId}/invitations`, payload: { channel: 'link' } })
    ).json().url
  const answered = await link()
  await app.inject({ method: 'POST', url: new URL(answered).pathname, payload: { score: 3 } })
  const closedSurvey = (
    await api(app, { method: 'POST', url: '/v1/surveys', payload: { name: 'Closed', kind: 'post_case', team: 'hr' } })
  ).json()
  const closed = await link(closedSurvey.id)
  await api(app, { method: 'PATCH', url: `/v1/surveys/${closedSurvey.id}`, payload: { status: 'closed' } })
  const busy = (
    await api(app, {
      method: 'POST',
      url: `/v1/surveys/${id}/collectors`,
      payload: { label: 'Busy', max_answers_per_hour: 1, cooldown_seconds: 0 }
    })
  ).json()
  const unsubscribe = links(String(smtp.received[0]!.parsed.html)).find(l => l.href.endsWith('/unsubscribe'))!.href
  const collector = (await api(app, { url: `/v1/surveys/${id}/collectors` })).json().items[0]
  // Enough answers on past days for the report to draw its charts (today's are not released yet).
  const days = Array.from({ length: 8 }, (_, d) =>
    new Date(Date.now() - (d + 1) * 7 * 86_400_000).toISOString().slice(0, 10)
  )
  await seedAnswers(
    app,
    id,
    days.flatMap((day, d) => answers(day, [5, 4, 4, 3, 5, 2, (d % 5) + 1], { agent: d % 2 === 0 ? 'ola' : 'kari' }))
  )
  const share = (await api(app, { method: 'POST', url: `/v1/surveys/${id}/share-links`, payload: {} })).json()
  const revoked = (await api(app, { method: 'POST', url: `/v1/surveys/${id}/share-links`, payload: {} })).json()
  await api(app, { method: 'DELETE', url: `/v1/share-links/${revoked.id}` })

  const respondent = await phone(browser)
  const admin = await browser.newContext({
    extraHTTPHeaders: { authorization: `Bearer ${API_KEY}` },
    viewport: { width: 1280, height: 900 }
  })
  const pages: Array<{
    name: string
    context: typeof respondent
    url: string
    status: number
    then?: (page: Page) => Promise<void>
  }> = [
    { name: 'unknown link (404)', context: respondent, url: `${base}/s/${'x'.repeat(43)}`, status: 404 },
    { name: 'answered link (409)', context: respondent, url: answered, status: 409 },
    { name: 'closed survey (410)', context: respondent, url: closed, status: 410 },
    { name: 'unsubscribe confirmation', context: respondent, url: unsubscribe, status: 200 },
    { name: 'poster', context: admin, url: `${base}/v1/collectors/${collector.id}/poster`, status: 200 },
    { name: 'report', context: admin, url: `${base}/v1/surveys/${id}/report`, status: 200 },
    { name: 'shared report', context: respondent, url: share.url, status: 200 },
    { name: 'revoked report link (410)', context: respondent, url: revoked.url, status: 410 }
  ]
  for (const p of pages) {
    const page = await p.context.newPage()
    const errors = pageErrors(page)
    t.equal((await page.goto(p.url))?.status(), p.status, `${p.name}: ${p.status}`)
    await checkPage(t, page, errors, p.name)
    await page.close()
  }

  // Pages reached by sending a form, keyboard only: unsubscribe done, and a busy collector (429).
  const page = await respondent.newPage()
  const errors = pageErrors(page)
  await page.goto(unsubscribe)
  await tabTo(page, 'button')
  await Promise.all([
    page.waitForLoadState(),
    page.waitForResponse(r => r.request().method() === 'POST'),
    page.keyboard.press('Enter')
  ])
  t.equal(await page.textContent('h1'), MESSAGES.en.unsubscribe.doneTitle, 'unsubscribed')
  await checkPage(t, page, errors, 'unsubscribe done')

  for (const expected of [MESSAGES.en.thanksTitle, MESSAGES.en.errors.busy.title]) {
    await page.goto(busy.url)
    await tabTo(page, 'input[name=score]')
    await page.keyboard.press('Space')
    await tabTo(page, 'button[type=submit]')
    await Promise.all([
      page.waitForLoadState(),
      page.waitForResponse(r => r.request().method() === 'POST'),
      page.keyboard.press('Enter')
    ])
    t.equal(await page.textContent('h1'), expected)
  }
  await checkPage(t, page, errors, 'busy collector (429)')
  await respondent.close()
  await admin.close()
})
