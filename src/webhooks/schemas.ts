import { z } from 'zod'
import { LocaleSchema } from '../schemas.js'
import { ITEM_MEASURES } from '../targets/tables.js'
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS } from './tables.js'

export const WebhookEventSchema = z.enum(WEBHOOK_EVENTS)
const name = z.string().trim().min(1).max(100)

export const CreateWebhookSchema = z.strictObject({
  url: z.string().trim().max(2000)
    .meta({ description: 'http(s) URL that receives the events; never a link-local or cloud metadata address' }),
  events: z.array(WebhookEventSchema).min(1).max(WEBHOOK_EVENTS.length)
    .refine(e => new Set(e).size === e.length, 'must not repeat an event'),
  survey_ids: z.array(z.string().min(1).max(64)).min(1).max(100).optional().meta({ description: 'Only these surveys' }),
  teams: z.array(name).min(1).max(100).optional()
    .meta({ description: 'Only surveys (and team targets) of these teams; with survey_ids: either' }),
  format: z.enum(WEBHOOK_FORMATS).default('standard').meta({
    description: 'standard: signed JSON; slack: an incoming-webhook message; ' +
      'teams: a Workflows webhook with an Adaptive Card'
  }),
  locale: LocaleSchema.default('en').meta({ description: 'Language of slack and teams messages' }),
  report_url: z.url({ protocol: /^https?$/ }).max(2000).optional()
    .meta({
      description: 'A report link to show in slack and teams messages (e.g. a share link you made); ' +
        'Puls never puts a token of its own into an event'
    })
})
export type CreateWebhook = z.infer<typeof CreateWebhookSchema>

export const WebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventSchema),
  survey_ids: z.array(z.string()).nullable(),
  teams: z.array(z.string()).nullable(),
  format: z.enum(WEBHOOK_FORMATS),
  locale: LocaleSchema,
  report_url: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  disabled_reason: z.string().nullable()
    .meta({ description: 'Why Puls stopped delivering (a run of failed attempts)' }),
  failures: z.number().int().meta({ description: 'Failed attempts since the last delivered one' }),
  created_at: z.iso.datetime(),
  secret: z.string().optional()
    .meta({ description: 'whsec_…: the signing key, answered once, when the subscription is made' })
}).meta({ id: 'Webhook' })
export type Webhook = z.infer<typeof WebhookSchema>

export const WebhookListSchema = z.object({ items: z.array(WebhookSchema) }).meta({ id: 'WebhookList' })

const AttemptSchema = z.object({
  at: z.iso.datetime(),
  status: z.number().int().nullable().meta({ description: 'HTTP status; null when no answer came' }),
  error: z.string().nullable(),
  duration_ms: z.number().int()
})

export const DeliverySchema = z.object({
  id: z.string().meta({ description: 'The webhook-id header of every attempt' }),
  event: z.string(),
  state: z.enum(['pending', 'sending', 'delivered', 'failed', 'cancelled']),
  attempts: z.array(AttemptSchema),
  next_attempt_at: z.iso.datetime().nullable(),
  last_error: z.string().nullable(),
  created_at: z.iso.datetime(),
  delivered_at: z.iso.datetime().nullable()
}).meta({ id: 'WebhookDelivery' })

export const DeliveryListSchema = z.object({ items: z.array(DeliverySchema) }).meta({ id: 'WebhookDeliveryList' })
export const DeliveryQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) })

const ScoreSchema = z.object({
  metric: z.enum(['nps', 'csat', 'ces']),
  value: z.number(),
  margin_of_error: z.number(),
  band: z.enum(['needs_work', 'good', 'great', 'excellent'])
})

/** The body of a `standard` delivery (docs/integrations.md, "Event bodies"); only aggregates. */
export const StandardEventSchema = z.object({
  type: z.enum([...WEBHOOK_EVENTS, 'webhook.test']),
  date: z.iso.date().meta({ description: 'The day the event was raised; no event carries a finer time' }),
  data: z.object({
    survey: z.object({ id: z.string(), name: z.string(), team: z.string(), metric: z.enum(['nps', 'csat', 'ces']) })
      .optional(),
    team: z.string().optional().meta({ description: 'For a team target' }),
    period: z.object({ from: z.iso.date(), to: z.iso.date() }).nullable().optional(),
    responses: z.number().int().nullable().optional()
      .meta({ description: 'null below the minimum group size or when suppressed' }),
    score: ScoreSchema.nullable().optional().meta({ description: 'null when suppressed' }),
    target: z.object({ value: z.number(), state: z.enum(['met', 'missed', 'not_distinguishable', 'unknown']) })
      .nullable().optional(),
    item: z.object({
      key: z.string(),
      measure: z.enum(ITEM_MEASURES),
      value: z.number().nullable(),
      low: z.number().nullable(),
      high: z.number().nullable()
    }).optional().meta({
      description: 'For a target on an item: its key, the measure, and the measure with its 95 % interval ' +
        'in the period (null when suppressed)'
    })
  })
}).meta({
  description: 'Sent with Standard Webhooks headers: webhook-id, webhook-timestamp, webhook-signature ' +
    '(v1,<base64 HMAC-SHA256 of id.timestamp.body>)'
})

/** The OpenAPI 3.1 `webhooks` object: one entry per event a subscription can receive. */
export function openApiWebhooks (): Record<string, unknown> {
  const schema = z.toJSONSchema(StandardEventSchema, { target: 'draft-2020-12' })
  delete (schema as { $schema?: string }).$schema
  return Object.fromEntries([...WEBHOOK_EVENTS, 'webhook.test'].map(type => [type, {
    post: {
      tags: ['webhooks'],
      summary: `${type} (format standard; slack and teams carry the same facts as a chat message)`,
      requestBody: { required: true, content: { 'application/json': { schema } } },
      responses: {
        200: { description: 'Any 2xx: delivered. Anything else, or no answer within WEBHOOK_TIMEOUT_SECONDS: retried' }
      }
    }
  }]))
}
