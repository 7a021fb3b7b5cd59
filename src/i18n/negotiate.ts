import { LOCALES, type Locale } from '../schemas.js'

// Language tags whose speakers read one of our locales. Norwegian comes as `nb`, the
// macrolanguage `no`, or Nynorsk `nn`; Bokmål is the written standard every one of them reads.
const PRIMARY: Record<string, Locale> = { en: 'en', de: 'de', nb: 'nb', no: 'nb', nn: 'nb' }

export function isLocale (value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

/**
 * The locales an `Accept-Language` header asks for that we have, most wanted first (RFC 9110
 * §12.5.4: q-values, ties in header order, q=0 means "not this one"). Malformed parts are skipped.
 */
export function acceptedLocales (header: string | undefined): Locale[] {
  if (header === undefined) return []
  const ranges: Array<{ locale: Locale; q: number; order: number }> = []
  header
    .split(',')
    .slice(0, 50)
    .forEach((part, order) => {
      const [tag = '', ...params] = part.trim().split(';')
      const primary = tag.trim().toLowerCase().split('-')[0] ?? ''
      const locale = PRIMARY[primary]
      if (locale === undefined) return
      let q = 1
      for (const p of params) {
        const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)
        if (m !== null) q = Number(m[1])
      }
      if (!Number.isFinite(q) || q <= 0 || q > 1) return
      ranges.push({ locale, q, order })
    })
  ranges.sort((a, b) => b.q - a.q || a.order - b.order)
  return [...new Set(ranges.map(r => r.locale))]
}

/**
 * The language of a respondent page or mail (docs/api.md): the invitation's own locale, else the
 * best match in `Accept-Language`, else the survey's default.
 */
export function negotiateLocale (
  invitationLocale: Locale | null | undefined,
  acceptLanguage: string | undefined,
  surveyDefault: Locale
): Locale {
  if (isLocale(invitationLocale)) return invitationLocale
  return acceptedLocales(acceptLanguage)[0] ?? surveyDefault
}

/**
 * One of our locales for a BCP-47 tag as ticketing systems send them (`de-DE`, `nb_NO`, `en`),
 * by its primary language; undefined for a language we do not have (the survey's default then).
 */
export function localeOfTag (tag: string | null | undefined): Locale | undefined {
  if (typeof tag !== 'string') return undefined
  return PRIMARY[tag.trim().toLowerCase().split(/[-_]/)[0] ?? '']
}
