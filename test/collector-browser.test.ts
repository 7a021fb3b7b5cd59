import t from 'tap'
import { API_KEY, api, build } from './helpers/build.js'
import { launch, pageErrors, phone } from './helpers/browser.js'
import { rows } from './helpers/puls.js'
import { decodePng } from './helpers/qr.js'

// The poster as a person prints it, and its URL as a phone answers it: real Chromium, the real
// service's headers and CSP, on a real socket.

const app = await build(t)
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const browser = await launch(t)

t.test('the poster prints on exactly one A4 page, blocks nothing, and its code scans from the screen', async t => {
  // The longest question and label the API accepts must still fit on the one page.
  const long = 'How satisfied are you with the help you received at the walk-up desk today? '.repeat(7).slice(0, 500)
  const s = (
    await api(app, {
      method: 'POST',
      url: '/v1/surveys',
      payload: { name: 'Walk-up desk', kind: 'self_service', team: 'it', question: { de: long } }
    })
  ).json()
  for (const locale of ['en', 'de', 'nb'] as const) {
    const label =
      locale === 'de'
        ? 'Oslo HQ, floor 3, IT walk-up desk, '.repeat(6).slice(0, 200)
        : 'Oslo HQ, floor 3, IT walk-up desk'
    const c = (
      await api(app, { method: 'POST', url: `/v1/surveys/${s.id}/collectors`, payload: { label, locale } })
    ).json()
    const context = await browser.newContext({
      extraHTTPHeaders: { authorization: `Bearer ${API_KEY}` },
      viewport: { width: 900, height: 1300 }
    })
    const page = await context.newPage()
    const errors = pageErrors(page)
    const res = await page.goto(`${base}/v1/collectors/${c.id}/poster`)
    t.equal(res?.status(), 200, locale)
    t.same(errors, [], `${locale}: no console errors, so the CSP blocked nothing`)
    t.equal(
      await page.evaluate('getComputedStyle(document.querySelector("h1")).color'),
      'rgb(11, 87, 208)',
      `${locale}: the nonce-styled sheet applied`
    )

    const shot = await page.locator('.qr').screenshot()
    t.equal(decodePng(shot), c.url, `${locale}: the code on screen decodes to the URL`)

    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true })
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []
    t.equal(pages.length, 1, `${locale}: one printed page`)
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString('latin1'))
    t.ok(box !== null, 'the PDF states its page size')
    // A4 is 595.28 × 841.89 points.
    t.ok(
      Math.abs(Number(box![1]) - 595.28) < 1 && Math.abs(Number(box![2]) - 841.89) < 1,
      `${locale}: the page is A4 (${box![1]} × ${box![2]} pt)`
    )
    await context.close()
  }
})

t.test('a phone answers through the collector URL; the same phone is asked to wait, a new one is not', async t => {
  const s = (
    await api(app, {
      method: 'POST',
      url: '/v1/surveys',
      payload: { name: 'Walk-up desk', kind: 'self_service', team: 'it' }
    })
  ).json()
  const c = (
    await api(app, {
      method: 'POST',
      url: `/v1/surveys/${s.id}/collectors`,
      payload: { label: 'Floor 3', locale: 'nb', attributes: { floor: '3' } }
    })
  ).json()
  const path = new URL(c.url).pathname

  async function answer (context: Awaited<ReturnType<typeof phone>>, score: number): Promise<string> {
    const page = await context.newPage()
    await page.goto(`${base}${path}`)
    await page.locator(`label[for="score-${score}"]`).click()
    await page.getByRole('button').click()
    await page.waitForLoadState()
    return (await page.textContent('h1')) ?? ''
  }

  const first = await phone(browser, { locale: 'nb-NO' })
  t.match(await answer(first, 5), 'Takk!', 'answered, in Norwegian')
  t.match(await answer(first, 4), 'Du har nettopp svart', 'the same browser is asked to wait (its cookie came back)')
  const cookies = await first.cookies()
  t.equal(cookies.length, 1, 'one cookie')
  t.match(cookies[0], { name: 'puls_cooldown', path, httpOnly: true, sameSite: 'Strict' })
  const second = await phone(browser, { locale: 'de-DE' })
  t.match(await answer(second, 3), 'Vielen Dank!', "a colleague's phone answers at once, in German")
  // Attributes compared parsed: PostgreSQL's jsonb spells them with a space.
  const query = 'SELECT score, channel, attributes FROM responses ORDER BY score'
  const stored = await rows<{ attributes: string }>(app, query)
  t.same(
    stored.map(r => ({ ...r, attributes: JSON.parse(r.attributes) })),
    [
      { score: 3, channel: 'collector', attributes: { floor: '3' } },
      { score: 5, channel: 'collector', attributes: { floor: '3' } }
    ],
    'two answers, the refused one not stored'
  )
})
