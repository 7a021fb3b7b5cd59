import { MESSAGES } from '../i18n/messages.js'
import { toSurvey } from '../surveys/service.js'
import type { SurveyRow } from '../surveys/tables.js'
import { qrSvg } from './qr.js'
import { collectorUrl } from './service.js'
import type { CollectorRow } from './tables.js'

/** What templates/pages/poster.hbs shows for a collector: for the API and the console alike. */
export async function posterContext (
  collector: CollectorRow, survey: SurveyRow, publicUrl: string
): Promise<Record<string, unknown>> {
  const url = collectorUrl(publicUrl, collector.token)
  const text = MESSAGES[collector.locale].poster
  const question = toSurvey(survey).question[collector.locale]
  return {
    lang: collector.locale,
    title: `${text.heading} · ${collector.label}`,
    text,
    question,
    long: question.length > 140 || collector.label.length > 100,
    label: collector.label,
    url,
    // Our own SVG from the QR library, holding only paths: safe to inline unescaped.
    qrSvg: await qrSvg(url)
  }
}
