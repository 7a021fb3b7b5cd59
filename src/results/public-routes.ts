import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ProblemSchema } from '../schemas.js'
import { reportHeaders } from './outputs/page.js'
import { reportContext } from './outputs/report.js'
import { TokenParamsSchema } from './schemas.js'
import { openShareLink } from './outputs/share-links.js'
import { recordAudit } from '../audit/service.js'

const UNAVAILABLE: Record<string, { en: string; de: string; nb: string }> = {
  not_found: {
    en: 'This report link does not exist. Check that it was copied whole.',
    de: 'Diesen Berichtslink gibt es nicht. Prüfen Sie, ob er vollständig kopiert wurde.',
    nb: 'Denne rapportlenken finnes ikke. Sjekk at hele lenken ble kopiert.'
  },
  link_expired: {
    en: 'This report link has expired. Ask the person who shared it for a new one.',
    de: 'Dieser Berichtslink ist abgelaufen. Bitten Sie die Person, die ihn geteilt hat, um einen neuen.',
    nb: 'Denne rapportlenken er utløpt. Be den som delte den om en ny.'
  },
  link_revoked: {
    en: 'This report link was withdrawn by the person who shared it.',
    de: 'Dieser Berichtslink wurde von der Person, die ihn geteilt hat, zurückgezogen.',
    nb: 'Denne rapportlenken er trukket tilbake av den som delte den.'
  }
}

/** GET /r/:token: the shared report, read-only and without an API key (docs/api.md). */
const routes: FastifyPluginAsyncZod = async fastify => {
  fastify.get(
    '/r/:token',
    {
      schema: {
        tags: ['results'],
        summary: 'A shared report (public, read-only)',
        description:
          'Unknown links answer 404, expired or revoked ones 410: ' +
          'as a page, or as problem JSON when the client asks for JSON.',
        params: TokenParamsSchema,
        response: {
          200: { description: 'The report page', content: { 'text/html': { schema: z.string() } } },
          404: ProblemSchema,
          410: ProblemSchema
        }
      },
      config: {
        access: 'public',
        errorPage: (reply, problem) => {
          const text = UNAVAILABLE[problem.code]
          if (text === undefined || problem.status >= 500) {
            return reply
              .code(problem.status)
              .view('pages/report-unavailable', { lang: 'en', title: problem.title, message: problem.detail })
          }
          return reportHeaders(reply)
            .code(problem.status)
            .view('pages/report-unavailable', {
              lang: 'en',
              title: problem.title,
              message: text.en,
              de: text.de,
              nb: text.nb
            })
        }
      }
    },
    async (request, reply) => {
      const now = fastify.clock.now()
      const link = await openShareLink(fastify.store.db, request.params.token, now)
      const context = await reportContext(fastify.store.db, fastify.decidedMonths, link.surveyId, link.options, now)
      await recordAudit(
        fastify.store.db,
        { actor: link.id, actorKind: 'share_link', action: 'report.read', surveyId: link.surveyId },
        now
      )
      return reportHeaders(reply).view('pages/report', context)
    }
  )
}

export default routes
