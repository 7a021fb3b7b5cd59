import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { SurveyMailInput } from '../src/mail/compose.js'
import { build } from './helpers/build.js'
import { elements, links, visibleText } from './helpers/html.js'

const base: SurveyMailInput = {
  purpose: 'invitation',
  kind: 'post_case',
  metric: 'csat',
  locale: 'en',
  question: 'How satisfied are you with the help you received?',
  token: 'TOKEN123',
  expiresAt: new Date('2026-03-09T12:00:00Z'),
  caseRef: 'INC-42'
}

t.test('every locale: its own words, the whole scale as labelled links, the same links in both parts', async t => {
  const app = await build(t, { env: { PUBLIC_URL: 'https://puls.example.com' } })
  const expected = {
    en: {
      subject: 'How did we do with case INC-42?',
      expires: 'March 9, 2026',
      low: 'very dissatisfied',
      high: 'very satisfied'
    },
    de: {
      subject: 'Wie zufrieden waren Sie mit Vorgang INC-42?',
      expires: '9. März 2026',
      low: 'sehr unzufrieden',
      high: 'sehr zufrieden'
    },
    nb: {
      subject: 'Hvordan gikk det med sak INC-42?',
      expires: '9. mars 2026',
      low: 'svært misfornøyd',
      high: 'svært fornøyd'
    }
  } as const
  for (const locale of ['en', 'de', 'nb'] as const) {
    const mail = app.outbox.compose({ ...base, locale })
    t.equal(mail.subject, expected[locale].subject, locale)
    t.match(mail.html, `<html lang="${locale}">`)
    const text = visibleText(mail.html)
    t.match(text, expected[locale].expires, `${locale}: expiry date in the locale's format`)
    t.match(text, `1 = ${expected[locale].low}`, `${locale}: the scale's ends in words`)
    t.match(text, `5 = ${expected[locale].high}`)
    t.match(mail.text, expected[locale].expires)

    const buttons = links(mail.html).filter(l => l.href.includes('?score='))
    t.same(
      buttons.map(b => b.text),
      ['1', '2', '3', '4', '5'],
      `${locale}: one button per score, labelled with it`
    )
    t.same(
      buttons.map(b => b.href),
      [1, 2, 3, 4, 5].map(n => `https://puls.example.com/s/TOKEN123?score=${n}`)
    )
    t.ok(
      buttons.every(b => b.attrs['aria-label']?.startsWith(`${b.text}:`)),
      `${locale}: each button says what it does`
    )
    const ends: Record<string, string> = { 1: ` (${expected[locale].low})`, 5: ` (${expected[locale].high})` }
    for (const b of buttons) {
      t.match(mail.text, `\n  ${b.text}${ends[b.text] ?? ''}: ${b.href}\n`, `${locale}: text part links ${b.text}`)
    }
    t.match(mail.text, 'https://puls.example.com/s/TOKEN123\n', 'the plain survey link too')
    t.match(mail.text, ': https://puls.example.com/s/TOKEN123/unsubscribe')
  }
})

t.test('mail HTML uses inline styles only, and headers offer one-click unsubscribe', async t => {
  const app = await build(t, { env: { PUBLIC_URL: 'https://puls.example.com' } })
  const mail = app.outbox.compose({ ...base, metric: 'nps', kind: 'relationship' })
  const els = elements(mail.html)
  t.notOk(
    els.some(e => e.name === 'style' || e.name === 'link' || e.name === 'script'),
    'no style sheets: mail clients drop them'
  )
  t.notOk(
    els.some(e => 'class' in e.attrs),
    'no classes'
  )
  t.ok(
    els.filter(e => e.name === 'a').every(e => e.attrs.style !== undefined),
    'every link styled inline'
  )
  t.equal(links(mail.html).filter(l => l.href.includes('?score=')).length, 11, 'NPS: 0 to 10')
  t.same(
    links(mail.html).find(l => l.href.endsWith('/unsubscribe')),
    {
      href: 'https://puls.example.com/s/TOKEN123/unsubscribe',
      text: 'Unsubscribe from survey e-mails',
      attrs: links(mail.html).at(-1)!.attrs
    }
  )
  t.same(mail.headers['List-Unsubscribe'], '<https://puls.example.com/s/TOKEN123/unsubscribe>')
  t.same(mail.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click')
  t.equal(mail.subject, 'One question about our service')
})

t.test('a reminder says so; a missing case reference still reads well; nothing breaks a subject line', async t => {
  const app = await build(t)
  t.equal(app.outbox.compose({ ...base, purpose: 'reminder' }).subject, 'Reminder: how did we do with case INC-42?')
  t.equal(
    app.outbox.compose({ ...base, purpose: 'reminder', locale: 'de' }).subject,
    'Erinnerung: Wie zufrieden waren Sie mit Vorgang INC-42?'
  )
  t.equal(
    app.outbox.compose({ ...base, purpose: 'reminder', locale: 'nb' }).subject,
    'Påminnelse: Hvordan gikk det med sak INC-42?'
  )
  t.match(app.outbox.compose({ ...base, purpose: 'reminder' }).text, 'This is the only reminder.')
  t.equal(app.outbox.compose({ ...base, caseRef: null }).subject, 'How did we do with your case?')
  t.equal(
    app.outbox.compose({ ...base, caseRef: 'INC-1\r\nBcc: x@evil.example' }).subject,
    'How did we do with case INC-1 Bcc: x@evil.example?'
  )
})

t.test('values are escaped in the HTML part and verbatim in the text part', async t => {
  const app = await build(t)
  const mail = app.outbox.compose({ ...base, question: 'Was it <b>fast</b> & "friendly"?', caseRef: "O'Brien" })
  t.match(mail.html, 'Was it &lt;b&gt;fast&lt;/b&gt; &amp; &quot;friendly&quot;?')
  t.match(visibleText(mail.html), 'Was it <b>fast</b> & "friendly"?')
  t.match(mail.text, 'Was it <b>fast</b> & "friendly"?')
  t.match(mail.text, "Your case O'Brien has been closed.")
  t.notMatch(mail.text, /&[#a-z0-9]+;/i, 'no HTML entities in plain text')
})

t.test("a brand folder changes single strings and one kind's template; the rest stays built-in", async t => {
  const brand = t.testdir()
  mkdirSync(join(brand, 'mail', 'strings'), { recursive: true })
  writeFileSync(
    join(brand, 'mail', 'strings', 'de.json'),
    JSON.stringify({ post_case: { invitation: { subject: 'ACME fragt: {{case_ref}}' } } })
  )
  writeFileSync(
    join(brand, 'mail', 'relationship.html.hbs'),
    '<p>ACME</p>{{#each buttons}}<a href="{{url}}">{{score}}</a>{{/each}}'
  )
  const app = await build(t, { env: { PULS_TEMPLATES_DIR: brand } })

  const de = app.outbox.compose({ ...base, locale: 'de' })
  t.equal(de.subject, 'ACME fragt: INC-42')
  t.match(de.text, 'Ihr Vorgang INC-42 wurde abgeschlossen.', 'other strings still built-in')
  t.equal(app.outbox.compose(base).subject, 'How did we do with case INC-42?', 'other locales untouched')

  const rel = app.outbox.compose({ ...base, kind: 'relationship', metric: 'nps' })
  t.match(rel.html, /^<p>ACME<\/p>/)
  t.equal(links(rel.html).length, 11)
  t.match(rel.text, 'From time to time we ask colleagues', 'the text part still comes from the built-in template')
  t.match(app.outbox.compose(base).html, /^<!doctype html>/, 'other kinds use the built-in template')
})
