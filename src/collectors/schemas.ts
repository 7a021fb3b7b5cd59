import { z } from 'zod'
import { AttributeValueSchema } from '../invitations/schemas.js'
import { LocaleSchema, PageQuerySchema, PROTOTYPE_NAME_MESSAGE, PROTOTYPE_NAMES } from '../schemas.js'

export const CollectorStatusSchema = z.enum(['active', 'closed'])

export const DEFAULT_MAX_ANSWERS_PER_HOUR = 100
export const DEFAULT_COOLDOWN_SECONDS = 60

const label = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .meta({ description: 'Where the collector hangs or what it serves, e.g. "Oslo HQ, floor 3, IT walk-up desk"' })

// Attribute keys become result filters and group_by names, so they are plain identifiers.
const attributeKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a lowercase identifier (a-z, 0-9, _; at most 40 characters)')
  .refine(k => !PROTOTYPE_NAMES.includes(k), PROTOTYPE_NAME_MESSAGE)
export const AttributesSchema = z
  .record(attributeKey, AttributeValueSchema)
  .refine(a => Object.keys(a).length <= 20, { message: 'at most 20 attributes' })
  .meta({
    description:
      'Carried by every answer through this collector, e.g. {"location":"Oslo HQ","floor":"3","service_point":"IT walk-up desk"}'
  })

const maxAnswersPerHour = z
  .number()
  .int()
  .min(1)
  .max(10_000)
  .meta({
    description: `Answers accepted per clock hour through this collector; more answer 429 (default ${DEFAULT_MAX_ANSWERS_PER_HOUR})`
  })
const cooldownSeconds = z
  .number()
  .int()
  .min(0)
  .max(3600)
  .meta({
    description: `Seconds one browser waits between two answers, by a signed cookie holding only an expiry; 0 for kiosks shared by many people (default ${DEFAULT_COOLDOWN_SECONDS})`
  })

const release = z.enum(['clients', 'answers']).meta({
  description:
    'How its answers count toward the minimum group size before results release them: `clients` (default) once ' +
    "per client address, so one address cannot release another person's answer by adding its own; `answers` each answer alone, for a " +
    'kiosk or an office behind one address, open to padding by whoever stands at it (docs/anonymity.md)'
})

export const CreateCollectorSchema = z.strictObject({
  label,
  locale: LocaleSchema.optional().meta({
    description: "Language of the poster and the page's fallback; default: the survey's default_locale"
  }),
  attributes: AttributesSchema.default({}),
  max_answers_per_hour: maxAnswersPerHour.default(DEFAULT_MAX_ANSWERS_PER_HOUR),
  cooldown_seconds: cooldownSeconds.default(DEFAULT_COOLDOWN_SECONDS),
  release: release.default('clients')
})
export type CreateCollector = z.infer<typeof CreateCollectorSchema>

// Attributes cannot change: results group by them, so a new place is a new collector (and poster).
export const UpdateCollectorSchema = z
  .strictObject({
    label: label.optional(),
    locale: LocaleSchema.optional(),
    max_answers_per_hour: maxAnswersPerHour.optional(),
    cooldown_seconds: cooldownSeconds.optional(),
    release: release.optional(),
    status: z
      .literal('closed')
      .optional()
      .meta({ description: '`closed` ends the collector for good: its URL answers 410' })
  })
  .refine(v => Object.keys(v).length > 0, { message: 'at least one field to change is required' })
export type UpdateCollector = z.infer<typeof UpdateCollectorSchema>

export const CollectorSchema = z
  .object({
    id: z.string(),
    survey_id: z.string(),
    label: z.string(),
    locale: LocaleSchema,
    attributes: z.record(z.string(), z.string()),
    status: CollectorStatusSchema,
    url: z
      .string()
      .meta({ description: 'The public survey URL the QR code and poster carry: `PUBLIC_URL/s/<collector token>`' }),
    max_answers_per_hour: z.number().int(),
    cooldown_seconds: z.number().int(),
    release: z.enum(['clients', 'answers']),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    closed_at: z.iso.datetime().nullable()
  })
  .meta({ id: 'Collector' })
export type Collector = z.infer<typeof CollectorSchema>

export const CollectorListQuerySchema = PageQuerySchema.extend({
  status: CollectorStatusSchema.optional()
})
export type CollectorListQuery = z.infer<typeof CollectorListQuerySchema>

export const CollectorListSchema = z
  .object({
    items: z.array(CollectorSchema),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page' })
  })
  .meta({ id: 'CollectorList' })

// Pixel bounds: below 128 px a phone struggles to focus on a printed code; above 2048 px (about
// 17 cm at 300 dpi) a PNG only costs memory. Margin is the quiet zone in modules; 4 is the
// standard's minimum for reliable scanning, smaller only where the design already has white space.
export const QrQuerySchema = z.object({
  format: z.enum(['svg', 'png']).default('svg'),
  size: z.coerce
    .number()
    .int()
    .min(128)
    .max(2048)
    .default(512)
    .meta({ description: 'Width and height in pixels (128–2048)' }),
  margin: z.coerce
    .number()
    .int()
    .min(0)
    .max(16)
    .default(4)
    .meta({ description: 'Quiet zone around the code, in modules (0–16; 4 is the standard minimum)' })
})
export type QrQuery = z.infer<typeof QrQuerySchema>
