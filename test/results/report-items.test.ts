import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'

// The report's section per item (docs/results.md, "The report"), with the key and through a share
// link: numbers worked out by hand from the seeded answers, in en, de and nb; an item too few
// answered shows that it is hidden and nothing else.

const ITEMS = [
  { key: 'fcr', type: 'yes_no' },
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
  { key: 'reasons', type: 'multi_choice', options: [{ key: 'waiting' }, { key: 'repeat' }] },
  { key: 'idea', type: 'text', question: { en: 'One idea?', de: 'Eine Idee?', nb: 'En idé?' } }
]

/**
 * February: 10 answers, FCR 6 yes of 10; March: 10 answers, FCR 8 of 10. Speed 5, 4, 4, 3, 2 twice
 * a month (mean 3.6, top-2-box 8 of 20); channel phone 14, chat 6; reasons from 2 people a month
 * (4 in all, below the minimum of 5); ideas from 12.
 */
function dataset (): Answer[] {
  const out: Answer[] = []
  for (const [month, yes] of [['02', 6], ['03', 8]] as const) {
    for (let i = 0; i < 10; i++) {
      const items: Record<string, string | number | string[]> = {
        fcr: i < yes ? 'yes' : 'no',
        speed: [5, 4, 4, 3, 2][i % 5]!,
        channel: i < 7 ? 'phone' : 'chat'
      }
      if (i < 2) items.reasons = ['waiting']
      if (i < 6) items.idea = `IDEA-${month}-${i}`
      out.push({ score: 1 + (i % 5), day: `2026-${month}-${String(3 + i).padStart(2, '0')}`, items })
    }
  }
  return out
}

const section = (html: string, key: string): string => {
  const start = html.indexOf(`<section data-item="${key}">`)
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start))
}

t.test('a section per item: FCR by month with its band, the rating, option bars; hidden when few', async t => {
  const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', items: ITEMS })
  await seedAnswers(app, survey.id, dataset())
  const report = async (query = '') => {
    const res = await api(app, { url: `/v1/surveys/${survey.id}/report${query}` })
    t.equal(res.statusCode, 200)
    return res.body
  }
  const en = await report()
  const fcr = section(en, 'fcr')
  t.match(fcr, '<h2>Was your issue solved the first time you contacted us?</h2>')
  // 14 yes of 20: 70 %; Agresti–Coull: (14 + 2) / 24 ± 1.96 √(p(1 − p) / 24) = 66.7 ± 18.9.
  t.match(fcr, '<p data-item-summary>Yes: 70 % (95 % interval 47.8–85.5 %) · 20 answers</p>')
  t.equal((fcr.match(/<circle /g) ?? []).length, 2, 'February and March')
  t.match(fcr, /class="band"/, 'the interval as a band')
  t.match(fcr, /2026-02: 60 \(/, 'February: 6 of 10')
  t.match(fcr, /2026-03: 80 \(/, 'March: 8 of 10')
  t.match(fcr, 'Complete months: Feb 3, 2026 – Mar 12, 2026.', 'the days counted, as items_period says')

  const speed = section(en, 'speed')
  // (5 + 4 + 4 + 3 + 2) / 5 = 3.6; sd √(5.2 / 19); 1.96 sd / √20 = 0.46.
  t.match(speed, '<p data-item-summary>Mean 3.6 of 5 (95 % interval 3.14–4.06) · 4 or 5: 60 % · 20 answers</p>')
  t.match(speed, /<title>[^<]*Answers per rating<\/title>/)

  const channel = section(en, 'channel')
  t.match(channel, '<h2>How did you reach us?</h2>')
  t.match(channel, '70 % · 14')
  t.match(channel, '30 % · 6')

  const reasons = section(en, 'reasons')
  t.match(reasons, '<h2>What went wrong?</h2>')
  t.match(reasons, 'Too few answers to this question')
  t.notMatch(reasons, /<svg|data-item-summary|Waiting/, 'four answers: nothing but that it is hidden')

  const idea = section(en, 'idea')
  t.match(idea, '12 answers')
  t.match(idea, 'Free-text answers are not shown')
  t.notMatch(en, /IDEA-/, 'no text answer in the report')

  const de = await report('?locale=de')
  t.match(section(de, 'fcr'), '<h2>Wurde Ihr Anliegen gleich beim ersten Kontakt gelöst?</h2>')
  t.match(section(de, 'fcr'), 'Ja: 70 % (95-%-Intervall 47,8–85,5 %) · 20 Antworten')
  t.match(section(de, 'speed'), 'Mittelwert 3,6 von 5')
  t.match(section(de, 'channel'), '<h2>Wie haben Sie uns erreicht?</h2>')
  const nb = await report('?locale=nb')
  t.match(section(nb, 'fcr'), '<h2>Ble saken din løst første gang du kontaktet oss?</h2>')
  t.match(section(nb, 'fcr'), 'Ja: 70 % (95 %-intervall 47,8–85,5 %) · 20 svar')
  t.match(section(nb, 'reasons'), 'For få svar på dette spørsmålet')

  // A share link shows the same sections under the same rules.
  const link = await api(app, {
    method: 'POST', url: `/v1/surveys/${survey.id}/share-links`, payload: { expires_in_days: 7, locale: 'de' }
  })
  t.equal(link.statusCode, 201)
  const shared = (await app.inject({ url: new URL(link.json().url).pathname })).body
  for (const key of ['fcr', 'speed', 'channel', 'reasons', 'idea']) {
    t.equal(section(shared, key).replace(/Erstellt [^<]*/, ''), section(de, key), `${key}: as in the report`)
  }
})

t.test('an item target in results and the report: met, missed or not distinguishable on the latest month', async t => {
  const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', items: ITEMS })
  await seedAnswers(app, survey.id, dataset())
  const target = (value: number) =>
    api(app, { method: 'PUT', url: `/v1/surveys/${survey.id}/items/fcr/target`, payload: { value } })
  const state = async () => (await api(app, { url: `/v1/surveys/${survey.id}/results` })).json().item_targets
  // March: 8 of 10, Agresti–Coull (8 + 2) / 14 ± 1.96 √(p(1 − p) / 14): 47.8–95.1.
  await target(40)
  t.match(await state(), [{
    item: 'fcr',
    measure: 'yes_percent',
    value: 40,
    state: 'met',
    score: 80,
    period: { from: '2026-03-03', to: '2026-03-12' },
    interval: { low: 47.8, high: 95.1 }
  }])
  await target(90)
  t.match(await state(), [{ state: 'not_distinguishable' }])
  await target(96)
  t.match(await state(), [{ state: 'missed' }])
  const html = (await api(app, { url: `/v1/surveys/${survey.id}/report` })).body
  t.match(section(html, 'fcr'),
    '<p data-item-target>Target ≥ 96 %: missed (latest complete month Mar 3, 2026 – Mar 12, 2026)</p>')
  const nb = (await api(app, { url: `/v1/surveys/${survey.id}/report?locale=nb` })).body
  t.match(section(nb, 'fcr'), /<p data-item-target>Mål ≥ 96 %: ikke nådd/)

  // A rating's mean: March's 3.6 ± 0.73 (n 10).
  await api(app, { method: 'PUT', url: `/v1/surveys/${survey.id}/items/speed/target`, payload: { value: 2.5 } })
  t.match((await state()).find((s: { item: string }) => s.item === 'speed'),
    { measure: 'mean', state: 'met', score: 3.6 })
})
