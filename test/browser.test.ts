import t from 'tap'
import { build } from './helpers/build.js'
import { axe, launch, pageErrors, phone } from './helpers/browser.js'
import { withProbePage } from './helpers/pages.js'

// Real Chromium against the real service on a real socket: proves the browser harness, and that
// the Content-Security-Policy lets our pages and /docs work while it disarms injected markup.

// One service and one browser for the file; each test gets its own context.
const app = await build(t, withProbePage())
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const browser = await launch(t)

t.test('a views page renders on a phone with its nonce-styled layout, and axe finds nothing serious', async t => {
  const page = await (await phone(browser)).newPage()
  const errors = pageErrors(page)

  const res = await page.goto(`${base}/test/page`)
  t.equal(res?.status(), 200)
  t.equal(await page.title(), 'Probe page')
  // The layout's <style> applied: it only can if its nonce matched the CSP header.
  t.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(246, 247, 249)')
  t.equal(await page.evaluate('innerWidth'), 390, 'phone-sized viewport')
  t.same(errors, [], 'no console errors, so the CSP blocked nothing of ours')
  t.same(await axe(page), [], 'no serious or critical accessibility violation')

  // The check can fail: an image without alternative text is a critical violation.
  await page.goto(
    `${base}/test/page?injected=${encodeURIComponent('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')}`
  )
  t.match(await axe(page), [{ id: 'image-alt', impact: 'critical' }], 'axe reports what is wrong')
})

t.test('markup slipped past escaping can neither script nor style the page', async t => {
  const page = await (await phone(browser)).newPage()
  const errors = pageErrors(page)

  const injected =
    '<script>window.pwned = true</script><style>body { background: rgb(255, 0, 0) }</style>' +
    '<img src="x" onerror="window.pwned = true"><p style="color: rgb(255, 0, 0)" id="styled">x</p>'
  await page.goto(`${base}/test/page?injected=${encodeURIComponent(injected)}`)
  t.equal(await page.evaluate('document.querySelectorAll("script").length'), 1, 'the script is in the page')
  t.equal(await page.evaluate('window.pwned'), undefined, 'but neither it nor an event handler ran')
  t.equal(
    await page.evaluate('getComputedStyle(document.body).backgroundColor'),
    'rgb(246, 247, 249)',
    'the injected <style> was not applied'
  )
  t.not(
    await page.evaluate('getComputedStyle(document.getElementById("styled")).color'),
    'rgb(255, 0, 0)',
    'nor the style attribute'
  )
  t.ok(
    errors.some(e => /Content Security Policy/.test(e)),
    'the browser reports the CSP blocks'
  )
})

t.test('the API docs render under their own policy', async t => {
  const page = await (await browser.newContext()).newPage()
  const errors = pageErrors(page)

  await page.goto(`${base}/docs/`)
  // swagger-ui's scripts ran, fetched the document and rendered it with its stylesheet.
  await page.waitForSelector('.swagger-ui .info .title', { timeout: 30_000 })
  t.match(await page.textContent('.swagger-ui .info .title'), /Puls/)
  t.ok(await page.getByText('/v1/surveys/{id}').first().isVisible(), 'operations are listed')
  t.not(
    await page.evaluate('getComputedStyle(document.querySelector(".swagger-ui .info .title")).fontSize'),
    '16px',
    'its stylesheet applied'
  )
  t.same(
    errors.filter(e => /Content Security Policy/.test(e)),
    [],
    'nothing blocked by the docs policy'
  )
})
