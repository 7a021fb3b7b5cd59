import type { Page } from 'playwright-core'
import t from 'tap'
import type { Locale } from '../src/schemas.js'
import { build } from './helpers/build.js'
import { axe, launch, pageErrors, phone } from './helpers/browser.js'
import { createSurvey, linkToken, rows } from './helpers/puls.js'

// A survey with items in real Chromium on a phone, keyboard only: the page passes axe in each
// locale, an item asked after a low score appears and disappears by CSS as the score changes (no
// script runs: the CSP allows none), and the whole answer goes in one form post.

const LOCALES: Locale[] = ['en', 'de', 'nb']
const BROWSER_LOCALE: Record<Locale, string> = { en: 'en-GB', de: 'de-DE', nb: 'nb-NO' }

const app = await build(t)
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address() as { port: number }
const browser = await launch(t)

const survey = await createSurvey(app, {
  items: [
    { key: 'fcr', type: 'yes_no', required: true },
    {
      key: 'reasons',
      type: 'multi_choice',
      show_if: { score_at_most: 3 },
      options: [{ key: 'waiting' }, { key: 'repeat' }, { key: 'other' }]
    },
    { key: 'speed', type: 'rating' },
    {
      key: 'channel',
      type: 'choice',
      question: { en: 'How did you reach us?', de: 'Wie haben Sie uns erreicht?', nb: 'Hvordan kontaktet du oss?' },
      options: [
        { key: 'phone', label: { en: 'Phone', de: 'Telefon', nb: 'Telefon' } },
        { key: 'chat', label: { en: 'Chat', de: 'Chat', nb: 'Chat' } }
      ]
    },
    { key: 'idea', type: 'text', question: { en: 'One idea?', de: 'Eine Idee?', nb: 'En idé?' } }
  ]
})

async function tabTo (page: Page, selector: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(s => (globalThis as any).document.activeElement?.matches(s) ?? false, selector)
    if (focused) return
  }
  throw new Error(`Tab never reached ${selector}`)
}

t.test('each locale: axe-clean, reasons shown only while a low score is chosen, keyboard only', async t => {
  for (const locale of LOCALES) {
    const context = await phone(browser, { locale: BROWSER_LOCALE[locale] })
    const page = await context.newPage()
    const errors = pageErrors(page)
    const token = await linkToken(app, survey.id)
    t.equal((await page.goto(`http://127.0.0.1:${port}/s/${token}`))?.status(), 200)
    t.equal(await page.getAttribute('html', 'lang'), locale)
    t.notOk(await page.isVisible('#item-reasons'), `${locale}: no score yet, no reasons`)
    t.same(await axe(page), [], `${locale}: no serious or critical accessibility violation`)

    await tabTo(page, 'input[name=score]')
    await page.keyboard.press('ArrowRight') // 2
    t.ok(await page.isVisible('#item-reasons'), `${locale}: a 2 asks what went wrong`)
    t.same(await axe(page), [], `${locale}: still axe-clean with the reasons shown`)
    for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowRight') // 5
    t.notOk(await page.isVisible('#item-reasons'), `${locale}: a 5 does not`)
    for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowLeft') // 2

    // FCR: Tab into its group lands on "yes"; ArrowRight chooses "no".
    await tabTo(page, 'input[name="items.fcr"]')
    await page.keyboard.press('ArrowRight')
    await tabTo(page, '#item-reasons-repeat')
    await page.keyboard.press('Space')
    await tabTo(page, 'input[name="items.speed"]')
    for (let k = 0; k < 2; k++) await page.keyboard.press('ArrowRight') // 3
    await tabTo(page, '#item-idea-text')
    await page.keyboard.type(`idea ${locale}`)
    await tabTo(page, 'button[type=submit]')
    await Promise.all([page.waitForURL(/\/thanks$/), page.keyboard.press('Enter')])
    t.same(errors, [], `${locale}: no console errors, so the CSP blocked nothing of ours`)
    await context.close()
  }
  const stored = await rows<{ score: number, items: string, locale: string }>(app,
    'SELECT score, items, locale FROM responses')
  const byLocale = stored.sort((a, b) => LOCALES.indexOf(a.locale as Locale) - LOCALES.indexOf(b.locale as Locale))
  t.same(byLocale.map(r => [r.locale, r.score, JSON.parse(r.items)]), LOCALES.map(locale =>
    [locale, 2, { fcr: 'no', reasons: ['repeat'], speed: 3, idea: `idea ${locale}` }]), 'each answer whole, as given')
})

t.test('with JavaScript off, a mail\'s one-click low score opens the page with the reasons shown', async t => {
  const context = await phone(browser, { javaScriptEnabled: false })
  const page = await context.newPage()
  const token = await linkToken(app, survey.id)
  await page.goto(`http://127.0.0.1:${port}/s/${token}?score=2`)
  t.ok(await page.isChecked('#score-2'), 'the score of the button is chosen')
  t.ok(await page.isVisible('#item-reasons'), 'so what went wrong is asked at once, by CSS alone')
  t.same(await page.$$eval('fieldset.item', sets => sets.map(f => f.querySelector('legend')?.id)),
    ['item-fcr-legend', 'item-reasons-legend', 'item-speed-legend', 'item-channel-legend', 'item-idea-legend'],
    'each item a fieldset named by its legend')
  t.equal(await page.getAttribute('#item-fcr', 'aria-describedby'), null, 'FCR needs no hint')
  await page.check('#item-fcr-yes')
  await page.check('#item-reasons-waiting')
  await page.check('#item-channel-chat')
  await Promise.all([page.waitForURL(/\/thanks$/), page.click('button[type=submit]')])
  await context.close()
  const [row] = await rows<{ score: number, items: string }>(app,
    'SELECT score, items FROM responses WHERE CAST(items AS TEXT) LIKE \'%chat%\'')
  t.same(row && [row.score, JSON.parse(row.items)], [2, { fcr: 'yes', reasons: ['waiting'], channel: 'chat' }])
})

t.test('a required item left out: the page again, axe-clean, its error linked to and read with the item', async t => {
  for (const locale of LOCALES) {
    const context = await phone(browser, { locale: BROWSER_LOCALE[locale] })
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${port}/s/${await linkToken(app, survey.id)}?score=4`)
    // As a browser that does not check `required` would send it.
    await page.$eval('form', form => { (form as unknown as { noValidate: boolean }).noValidate = true })
    const [res] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')])
    t.equal(res?.status(), 400, `${locale}: refused`)
    t.same(await axe(page), [], `${locale}: the page with its errors is axe-clean`)
    t.equal(await page.getAttribute('.error-summary a', 'href'), '#item-fcr-yes', 'the summary links to the item')
    t.equal(await page.getAttribute('#item-fcr', 'aria-describedby'), 'item-fcr-error',
      'the error is read with it')
    t.equal(await page.getAttribute('#item-fcr-yes', 'aria-invalid'), 'true')
    t.ok(await page.isChecked('#score-4'), 'the score given is kept')
    await context.close()
  }
})
