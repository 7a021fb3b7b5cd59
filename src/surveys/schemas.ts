import { z } from 'zod'
import { LOCALES, LocaleSchema, PageQuerySchema } from '../schemas.js'
import { METRICS, SURVEY_KINDS } from './defaults.js'
import { ItemSchema, ItemsInputSchema } from './items.js'

export const SurveyKindSchema = z.enum(SURVEY_KINDS)
export const MetricSchema = z.enum(METRICS)
export const SurveyStatusSchema = z.enum(['active', 'closed'])

const text = z.string().trim().min(1).max(500)
export const LocalizedTextInputSchema = z
  .strictObject({ en: text.optional(), de: text.optional(), nb: text.optional() })
  .meta({ description: 'Text per locale; locales left out use the built-in text for the metric' })
const LocalizedTextSchema = z.object(
  Object.fromEntries(LOCALES.map(l => [l, z.string()])) as Record<(typeof LOCALES)[number], z.ZodString>
)

const name = z.string().trim().min(1).max(200)
const team = z.string().trim().min(1).max(100)
const days = (max: number) => z.number().int().min(0).max(max)
// Up to 100 years; null: the service's default (README, "Retention").
const retainDays = days(36_500).min(1).nullable()
export const retention = {
  retain_days: retainDays
    .optional()
    .meta({
      description:
        'Answers are deleted this many days after the day they were given. null: the service default (RETAIN_DAYS; unset: kept)'
    }),
  comment_retain_days: retainDays
    .optional()
    .meta({
      description:
        'Comments are dropped earlier, keeping the score: this many days after the answer. null: the service default (COMMENT_RETAIN_DAYS; unset: as long as the answer)'
    })
}

export const CreateSurveySchema = z.strictObject({
  name,
  kind: SurveyKindSchema,
  metric: MetricSchema.optional().meta({
    description: 'Defaults per kind: csat for post_case and self_service, nps for relationship'
  }),
  team,
  question: LocalizedTextInputSchema.optional(),
  comment_prompt: LocalizedTextInputSchema.optional(),
  items: ItemsInputSchema.optional().meta({
    description:
      "Left out: the kind's default items (post_case: fcr and reasons after a low score; relationship: " +
      'competence, speed, information; self_service: found). `[]`: the score and the comment only'
  }),
  default_locale: LocaleSchema.default('en'),
  link_ttl_days: days(365).min(1).optional(),
  throttle_days: days(365).optional(),
  reminder_after_days: days(365).min(1).nullable().optional().meta({ description: 'null: no reminder' }),
  min_group_size: z.number().int().min(3).max(1000).optional(),
  min_comment_group_size: z.number().int().min(3).max(1000).optional(),
  ...retention
})
export type CreateSurvey = z.infer<typeof CreateSurveySchema>

export const UpdateSurveySchema = z
  .strictObject({
    name: name.optional(),
    team: team.optional(),
    status: SurveyStatusSchema.optional().meta({
      description: '`closed` ends the survey for good: its links answer 410'
    }),
    question: LocalizedTextInputSchema.optional(),
    comment_prompt: LocalizedTextInputSchema.optional(),
    items: ItemsInputSchema.optional().meta({
      description:
        'The whole new list. Once an item has answers it stays (retire it instead), and its type, ' +
        'option keys and show_if stay: 409 naming `body.items.<key>`'
    }),
    default_locale: LocaleSchema.optional(),
    link_ttl_days: days(365).min(1).optional(),
    throttle_days: days(365).optional(),
    reminder_after_days: days(365).min(1).nullable().optional(),
    min_group_size: z.number().int().min(3).max(1000).optional(),
    min_comment_group_size: z.number().int().min(3).max(1000).optional(),
    ...retention
  })
  .refine(v => Object.keys(v).length > 0, { message: 'at least one field to change is required' })
export type UpdateSurvey = z.infer<typeof UpdateSurveySchema>

export const SurveySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: SurveyKindSchema,
    metric: MetricSchema,
    team: z.string(),
    status: SurveyStatusSchema,
    scale: z.object({ min: z.number().int(), max: z.number().int() }),
    question: LocalizedTextSchema,
    comment_prompt: LocalizedTextSchema,
    items: z.array(ItemSchema).meta({ description: 'Asked beside the score, in page order; retired ones included' }),
    default_locale: LocaleSchema,
    link_ttl_days: z.number().int(),
    throttle_days: z.number().int(),
    reminder_after_days: z.number().int().nullable(),
    min_group_size: z.number().int(),
    min_comment_group_size: z.number().int(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    closed_at: z.iso.datetime().nullable(),
    retain_days: z.number().int().nullable().meta({ description: 'Days answers are kept; null: the service default' }),
    comment_retain_days: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'Days comments are kept; null: the service default' })
  })
  .meta({ id: 'Survey' })
export type Survey = z.infer<typeof SurveySchema>

export const SurveyListQuerySchema = PageQuerySchema.extend({
  kind: SurveyKindSchema.optional(),
  team: team.optional(),
  status: SurveyStatusSchema.optional()
})
export type SurveyListQuery = z.infer<typeof SurveyListQuerySchema>

export const SurveyListSchema = z
  .object({
    items: z.array(SurveySchema),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page' })
  })
  .meta({ id: 'SurveyList' })
