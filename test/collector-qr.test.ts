import t from 'tap'
import { api, build } from './helpers/build.js'
import { decodePng, svgToPng } from './helpers/qr.js'

const PUBLIC_URL = 'https://puls.example.com/feedback'
type App = Awaited<ReturnType<typeof build>>

const QUESTIONS = {
  en: 'How satisfied are you with the walk-up desk?',
  de: 'Wie zufrieden sind Sie mit dem IT-Schalter?',
  nb: 'Hvor fornøyd er du med IT-skranken?'
}

async function collector (app: App, body: object = {}): Promise<{ id: string; url: string; survey_id: string }> {
  const s = (
    await api(app, {
      method: 'POST',
      url: '/v1/surveys',
      payload: { name: 'Walk-up desk', kind: 'self_service', team: 'it', question: QUESTIONS }
    })
  ).json()
  return (
    await api(app, {
      method: 'POST',
      url: `/v1/surveys/${s.id}/collectors`,
      payload: { label: 'Oslo HQ, floor 3 <IT desk>', ...body }
    })
  ).json()
}

t.test('the PNG decodes to exactly the collector URL', async t => {
  const app = await build(t, { env: { PUBLIC_URL } })
  const c = await collector(app)
  t.match(c.url, /^https:\/\/puls\.example\.com\/feedback\/s\/[A-Za-z0-9_-]{22}$/)

  const res = await api(app, { url: `/v1/collectors/${c.id}/qr?format=png` })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'image/png')
  t.same([...res.rawPayload.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature')
  t.equal(res.rawPayload.readUInt32BE(16), 512, 'default width 512 px')
  t.equal(decodePng(res.rawPayload), c.url, 'a QR reader reads exactly the URL')

  // The smallest allowed size still scans, and size and margin shape the image.
  const small = await api(app, { url: `/v1/collectors/${c.id}/qr?format=png&size=128&margin=1` })
  t.equal(small.statusCode, 200)
  t.equal(small.rawPayload.readUInt32BE(16), 128)
  t.equal(decodePng(small.rawPayload), c.url)
  const large = await api(app, { url: `/v1/collectors/${c.id}/qr?format=png&size=1200` })
  t.equal(large.rawPayload.readUInt32BE(16), 1200)
  t.equal(decodePng(large.rawPayload), c.url)
})

t.test('the SVG is well-formed and, rendered by resvg, decodes to the URL', async t => {
  const app = await build(t, { env: { PUBLIC_URL } })
  const c = await collector(app)
  const res = await api(app, { url: `/v1/collectors/${c.id}/qr?format=svg&size=300&margin=6` })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^image\/svg\+xml/)
  const svg = res.body
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="300" height="300" viewBox="0 0 \d+ \d+"/)
  t.match(svg, /<\/svg>\s*$/)
  t.equal(decodePng(svgToPng(svg)), c.url)
  t.equal(
    (await api(app, { url: `/v1/collectors/${c.id}/qr` })).headers['content-type'],
    'image/svg+xml; charset=utf-8',
    'SVG by default'
  )
})

t.test('bad QR options are 400 problems naming the field', async t => {
  const app = await build(t)
  const c = await collector(app)
  const cases: Array<[string, string]> = [
    ['format=gif', 'query.format'],
    ['size=64', 'query.size'],
    ['size=4096', 'query.size'],
    ['size=big', 'query.size'],
    ['margin=-1', 'query.margin'],
    ['margin=17', 'query.margin'],
    ['size=200.5', 'query.size']
  ]
  for (const [query, path] of cases) {
    const res = await api(app, { url: `/v1/collectors/${c.id}/qr?${query}` })
    t.equal(res.statusCode, 400, query)
    t.match(res.headers['content-type'], /^application\/problem\+json/, query)
    t.equal(res.json().errors[0].path, path, query)
  }
  t.equal((await api(app, { url: '/v1/collectors/col_nope/qr' })).statusCode, 404)
})

t.test('the poster: A4 print CSS, the QR inline, the question and the anonymity line, in each locale', async t => {
  const app = await build(t, { env: { PUBLIC_URL } })
  const anonymous = {
    en: 'Your answer is anonymous',
    de: 'Ihre Antwort ist anonym',
    nb: 'Svaret ditt er anonymt'
  }
  for (const locale of ['en', 'de', 'nb'] as const) {
    const c = await collector(app, { locale })
    const res = await api(app, { url: `/v1/collectors/${c.id}/poster` })
    t.equal(res.statusCode, 200, locale)
    t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    const html = res.body
    t.match(html, `<html lang="${locale}">`, locale)
    t.match(html, /@page\s*\{\s*size:\s*A4/, 'A4 print CSS')
    t.match(html, QUESTIONS[locale], `${locale} question`)
    t.match(html, anonymous[locale], `${locale} anonymity line`)
    for (const other of ['en', 'de', 'nb'] as const) {
      if (other !== locale) {
        t.notMatch(html, QUESTIONS[other], `no ${other} question on the ${locale} poster`)
        t.notMatch(html, anonymous[other], `no ${other} anonymity line on the ${locale} poster`)
      }
    }
    t.match(html, 'Oslo HQ, floor 3 &lt;IT desk&gt;', 'the label, escaped')
    t.match(html, c.url, 'the URL in print for those who cannot scan')
    t.notMatch(html, /<(img|link|script|iframe)\b/i, 'no external assets or scripts')
    t.notMatch(html, /\b(src|href)=/i, 'nothing fetched when printing')

    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0]
    t.ok(svg, 'the QR code is inline SVG')
    t.equal(decodePng(svgToPng(svg!)), c.url, `${locale} poster QR decodes to the URL`)
  }
})

t.test('a closed collector or survey has no QR code or poster', async t => {
  const app = await build(t)
  const c = await collector(app)
  await api(app, { method: 'PATCH', url: `/v1/collectors/${c.id}`, payload: { status: 'closed' } })
  for (const path of ['qr?format=png', 'poster']) {
    const res = await api(app, { url: `/v1/collectors/${c.id}/${path}` })
    t.equal(res.statusCode, 410, path)
    t.match(res.json(), { code: 'collector_closed' })
  }
  const d = await collector(app)
  await api(app, { method: 'PATCH', url: `/v1/surveys/${d.survey_id}`, payload: { status: 'closed' } })
  const res = await api(app, { url: `/v1/collectors/${d.id}/poster` })
  t.equal(res.statusCode, 410)
  t.match(res.json(), { code: 'survey_closed' })
})
