import fc from 'fast-check'
import t from 'tap'
import { MESSAGES } from '../src/i18n/messages.js'
import { acceptedLocales, negotiateLocale } from '../src/i18n/negotiate.js'
import { LOCALES, type Locale } from '../src/schemas.js'

const locale = fc.constantFrom(...LOCALES)
// Real-looking headers: known and unknown tags, regions, q-values (some malformed), wildcards.
const range = fc.record({
  tag: fc.constantFrom('en', 'de', 'nb', 'no', 'nn', 'fr', 'sv', 'da', '*', 'EN', 'De', 'x-klingon', ''),
  region: fc.option(fc.constantFrom('US', 'GB', 'CH', 'AT', 'NO', '419'), { nil: undefined }),
  q: fc.option(
    fc.oneof(
      fc.integer({ min: 0, max: 1000 }).map(n => (n / 1000).toString()),
      fc.constantFrom('abc', '2', '-1', '')
    ),
    { nil: undefined }
  )
})
const header = fc
  .array(range, { maxLength: 8 })
  .map(rs =>
    rs
      .map(r => `${r.tag}${r.region === undefined ? '' : `-${r.region}`}${r.q === undefined ? '' : `;q=${r.q}`}`)
      .join(', ')
  )

t.test('the invitation locale always wins', async t => {
  fc.assert(
    fc.property(
      locale,
      fc.option(header, { nil: undefined }),
      locale,
      (own, accept, fallback) => negotiateLocale(own, accept, fallback) === own
    )
  )
})

t.test('without one, the result is the best Accept-Language match we have, else the survey default', async t => {
  fc.assert(
    fc.property(fc.option(header, { nil: undefined }), locale, (accept, fallback) => {
      const result = negotiateLocale(null, accept, fallback)
      const accepted = acceptedLocales(accept)
      if (accepted.length === 0) return result === fallback
      return result === accepted[0] && LOCALES.includes(result)
    })
  )
})

t.test('accepted locales: only ours, no repeats, never one with q=0, sorted by q', async t => {
  fc.assert(
    fc.property(header, h => {
      const accepted = acceptedLocales(h)
      return new Set(accepted).size === accepted.length && accepted.every(l => LOCALES.includes(l))
    })
  )
  fc.assert(
    fc.property(locale, fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 999 }), (l, qa, qb) => {
      const other: Locale = l === 'en' ? 'de' : 'en'
      const h = `${other};q=0.${String(qa).padStart(3, '0')}, ${l};q=0.${String(qb).padStart(3, '0')}`
      const first = acceptedLocales(h)[0]
      return qb > qa ? first === l : first === other
    })
  )
})

t.test('examples a browser sends', async t => {
  t.equal(negotiateLocale(null, 'de-CH,de;q=0.9,en;q=0.8', 'en'), 'de')
  t.equal(negotiateLocale(null, 'fr-FR,fr;q=0.9,nb;q=0.5', 'en'), 'nb', 'skips languages we lack')
  t.equal(negotiateLocale(null, 'no', 'en'), 'nb', 'Norwegian without a written standard reads Bokmål')
  t.equal(negotiateLocale(null, 'nn-NO', 'de'), 'nb')
  t.equal(negotiateLocale(null, 'en;q=0, de;q=0.1', 'nb'), 'de', 'q=0 refuses a language')
  t.equal(negotiateLocale(null, 'en;q=0.5, de;q=0.5', 'nb'), 'en', 'ties keep header order')
  t.equal(negotiateLocale(null, 'fr, sv', 'nb'), 'nb', 'nothing we have: the survey default')
  t.equal(negotiateLocale(null, '', 'de'), 'de')
  t.equal(negotiateLocale(null, undefined, 'de'), 'de')
  t.equal(negotiateLocale('en', 'de', 'nb'), 'en')
})

t.test('every locale has every respondent text, and none is left in English', async t => {
  for (const l of LOCALES) {
    const m = MESSAGES[l]
    t.same(Object.keys(m).sort(), Object.keys(MESSAGES.en).sort(), l)
    t.same(Object.keys(m.errors).sort(), Object.keys(MESSAGES.en.errors).sort(), l)
    if (l !== 'en') {
      t.not(m.submit, MESSAGES.en.submit, `${l} submit is translated`)
      t.not(m.errors.expired.title, MESSAGES.en.errors.expired.title, `${l} error pages are translated`)
    }
  }
})
