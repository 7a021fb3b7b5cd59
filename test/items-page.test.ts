import { DomUtils, parseDocument } from 'htmlparser2'
import type { Element } from 'domhandler'
import t from 'tap'
import { build } from './helpers/build.js'
import { createSurvey, linkToken, type App } from './helpers/puls.js'

// The survey page with items, read as a browser would: fieldsets and their legends, the controls
// and their labels, and the CSS that hides an item until a score it is asked for is chosen.

const open = (app: App, token: string, locale = 'en', query = '') =>
  app.inject({ url: `/s/${token}${query}`, headers: { 'accept-language': locale } })

type Attributes = Record<string, string>

interface Page {
  fieldsets: Array<{ id: string | undefined, legend: string, inputs: Attributes[], textareas: Attributes[] }>
  labels: Map<string, string>
  style: string
  scripts: number
}

function read (html: string): Page {
  const doc = parseDocument(html, { decodeEntities: true })
  const all = (name: string, root: Element[] = doc.children as Element[]): Element[] =>
    DomUtils.findAll(el => el.name === name, root)
  const text = (el: Element): string => DomUtils.textContent(el).replace(/\s+/g, ' ').trim()
  return {
    fieldsets: all('fieldset').map(f => ({
      id: f.attribs.id,
      legend: text(all('legend', [f])[0]!),
      inputs: all('input', [f]).map(i => i.attribs),
      textareas: all('textarea', [f]).map(i => i.attribs)
    })),
    labels: new Map(all('label').map(l => [l.attribs.for ?? '', text(l)])),
    style: all('style').map(text).join('\n'),
    scripts: all('script').length
  }
}

const LEGENDS = {
  en: [
    'How satisfied are you with the help you received?',
    'Was your issue solved the first time you contacted us?',
    'What went wrong?'
  ],
  de: [
    'Wie zufrieden sind Sie mit der Unterstützung, die Sie erhalten haben?',
    'Wurde Ihr Anliegen gleich beim ersten Kontakt gelöst?',
    'Was lief nicht gut?'
  ],
  nb: [
    'Hvor fornøyd er du med hjelpen du fikk?',
    'Ble saken din løst første gang du kontaktet oss?',
    'Hva gikk galt?'
  ]
}
const YES_NO = { en: ['Yes', 'No'], de: ['Ja', 'Nein'], nb: ['Ja', 'Nei'] }
const REASONS = { en: 'Waiting time', de: 'Wartezeit', nb: 'Ventetid' }

t.test('a post-case survey\'s default items in three locales: a fieldset and legend each, no script', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const token = await linkToken(app, survey.id)
  for (const locale of ['en', 'de', 'nb'] as const) {
    const res = await open(app, token, locale)
    t.equal(res.statusCode, 200)
    t.match(res.body, `<html lang="${locale}">`)
    const page = read(res.body)
    t.equal(page.scripts, 0, 'works without JavaScript')
    t.same(page.fieldsets.map(f => f.legend), LEGENDS[locale], `${locale}: the score, then the items in order`)
    const [, fcr, reasons] = page.fieldsets
    t.same(fcr!.inputs.map(i => [i.type, i.name, i.value]),
      [['radio', 'items.fcr', 'yes'], ['radio', 'items.fcr', 'no']])
    t.same(fcr!.inputs.map(i => page.labels.get(i.id!)), YES_NO[locale], 'each answer has its label')
    t.same(reasons!.inputs.map(i => i.value), ['waiting', 'repeat', 'not_solved', 'unfriendly', 'other'])
    t.ok(reasons!.inputs.every(i => i.type === 'checkbox' && i.name === 'items.reasons'))
    t.equal(page.labels.get('item-reasons-waiting'), REASONS[locale])
    t.ok(reasons!.inputs.concat(fcr!.inputs).every(i => !('required' in i)), 'optional items are not required')
    // Reasons are asked after a low score only: CSS hides them until a score of 1–3 is chosen.
    t.match(page.style,
      'form:not(:has(#score-1:checked, #score-2:checked, #score-3:checked)) #item-reasons { display: none; }')
    t.equal(reasons!.id, 'item-reasons')
    t.notMatch(page.style, /#item-fcr/, 'FCR is asked for every score')
  }
  // The one-click score of a mail pre-selects it, which is what shows the reasons.
  const low = read((await open(app, token, 'en', '?score=2')).body)
  t.same(low.fieldsets[0]!.inputs.filter(i => 'checked' in i).map(i => i.value), ['2'])
  t.notOk(low.fieldsets.slice(1).some(f => f.inputs.some(i => 'checked' in i)), 'no item answer is pre-selected')
})

t.test('each item type on the page: rating, choice, multi-choice, text; required and retired items', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, {
    kind: 'relationship',
    items: [
      {
        key: 'agent',
        type: 'rating',
        required: true,
        question: { en: 'How competent was the agent?', de: 'Wie kompetent?', nb: 'Hvor kompetent?' }
      },
      {
        key: 'channel',
        type: 'choice',
        question: { en: 'How did you reach us?' },
        options: [{ key: 'phone', label: { en: 'Phone' } }, { key: 'mail', label: { en: 'E-mail' } }]
      },
      { key: 'old', type: 'yes_no', question: { en: 'Retired?' }, retired: true },
      {
        key: 'why', type: 'text', required: true, show_if: { scores: [0, 1, 2, 9] }, question: { en: 'Why that score?' }
      },
      { key: 'idea', type: 'text', required: true, question: { en: 'One idea?' } }
    ]
  })
  const token = await linkToken(app, survey.id)
  const page = read((await open(app, token, 'nb')).body)
  t.same(page.fieldsets.map(f => f.id), [undefined, 'item-agent', 'item-channel', 'item-why', 'item-idea'],
    'retired items are not asked')
  const [score, agent, channel, why, idea] = page.fieldsets
  t.equal(score!.inputs.length, 11, 'NPS 0–10')
  t.equal(agent!.legend, 'Hvor kompetent? (påkrevd)')
  t.same(agent!.inputs.map(i => [i.type, i.name, i.value, 'required' in i]),
    ['1', '2', '3', '4', '5'].map(v => ['radio', 'items.agent', v, true]))
  t.match(read((await open(app, token, 'nb')).body).style, /#item-why/)
  t.same(channel!.inputs.map(i => page.labels.get(i.id!)), ['Phone', 'E-mail'])
  t.equal(why!.legend, 'Why that score? (påkrevd)')
  t.same(why!.textareas.map(a => [a.name, a['aria-labelledby'], 'required' in a]),
    [['items.why', 'item-why-legend', false]],
    'a required item that may be hidden is not required in HTML, so a hidden one never blocks the form')
  t.same(idea!.textareas.map(a => [a.name, a.maxlength, 'required' in a]), [['items.idea', '2000', true]])
  t.match(page.style,
    'form:not(:has(#score-0:checked, #score-1:checked, #score-2:checked, #score-9:checked)) ' +
    '#item-why { display: none; }')
})

t.test('a survey without items shows the score and the comment only', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { items: [] })
  const page = read((await open(app, await linkToken(app, survey.id))).body)
  t.equal(page.fieldsets.length, 1)
  t.notMatch(page.style, /:has\(#score/)
})
