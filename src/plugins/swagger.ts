import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { projectRoot } from '../paths.js'
import { openApiWebhooks } from '../webhooks/schemas.js'
import { DOCS_CSP } from './security.js'

const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }

const PROBLEM_REF = '#/components/schemas/Problem'

/**
 * Route schemas name a status's body schema only, which the zod transform documents as
 * `application/json`; error bodies are sent as `application/problem+json` (src/plugins/problems.ts),
 * so the document says so.
 */
function problemsAsProblemJson<T> (doc: T): T {
  const paths =
    (
      doc as {
        paths?: Record<
          string,
          Record<string, { responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>
        >
      }
    ).paths ?? {}
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const response of Object.values(operation.responses ?? {})) {
        const json = response.content?.['application/json']
        if (json?.schema?.$ref !== PROBLEM_REF) continue
        delete response.content!['application/json']
        response.content!['application/problem+json'] = json
      }
    }
  }
  return doc
}

/**
 * The OpenAPI 3.1 document, generated from the zod route schemas: served at /openapi.json,
 * browsable at /docs, and committed as openapi/openapi.json (`npm run openapi`).
 */
export default fp(
  async fastify => {
    await fastify.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Puls',
          version,
          description:
            'Anonymous NPS, CSAT and CES surveys for internal service teams. ' +
            'Routes under /v1 need `Authorization: Bearer <api key>` ' +
            'of a role that may call them (admin, integration, ' +
            "or reader of the survey's team: docs/access.md); " +
            'errors are `application/problem+json` (RFC 9457).'
        },
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description: 'An API key made with `npm run puls -- keys create --role <role>`, or PULS_API_KEY (admin)'
            }
          }
        },
        tags: [
          { name: 'health', description: 'Liveness and readiness' },
          { name: 'operations', description: 'Metrics for monitoring' },
          { name: 'surveys', description: 'Create, read, change and close surveys' },
          { name: 'invitations', description: 'Invite people to a survey by e-mail or by a link you hand out' },
          { name: 'events', description: 'Hooks for a ticketing system: a case closed, a case reopened' },
          {
            name: 'respondent',
            description: "The pages people answer on (no API key; the link's token is the only credential)"
          },
          {
            name: 'collectors',
            description: 'Multi-use anonymous links for places and kiosks: QR codes and printable posters'
          },
          { name: 'access', description: 'The audit trail: who read which results, and who changed who may read' },
          { name: 'webhooks', description: 'Subscriptions to aggregate events: signed JSON, Slack, Microsoft Teams' }
        ]
      },
      transform: jsonSchemaTransform,
      // The events Puls sends to subscriptions, as OpenAPI 3.1 webhooks (docs/integrations.md).
      transformObject: input => {
        const doc = problemsAsProblemJson(jsonSchemaTransformObject(input))
        return Object.assign(doc, { webhooks: openApiWebhooks() }) as typeof doc
      }
    })
    // swagger-ui replaces the strict page policy with its own, on /docs and /docs/* only.
    await fastify.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP, uiConfig: { layout: 'BaseLayout' } })

    fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger())
  },
  { name: 'swagger' }
)
