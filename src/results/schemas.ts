import { z } from 'zod'
import { IdParamsSchema, LocaleSchema, plainText, PROTOTYPE_NAMES } from '../schemas.js'
import { MetricSchema, SurveyKindSchema } from '../surveys/schemas.js'
import { ItemTargetStatusSchema, TargetStatusSchema } from '../targets/schemas.js'

export const INTERVALS = ['day', 'week', 'month'] as const
const RESERVED = new Set(['from', 'to', 'interval', 'group_by', 'locale'])
/** Attribute names that can be filtered and grouped by: what can safely travel as a JSON path and a query key. */
export const ATTRIBUTE_NAME = new RegExp(`^(?!(?:${PROTOTYPE_NAMES.join('|')})$)[A-Za-z0-9_-]{1,64}$`)

/** An item's answers as a filter or group_by key: `item.<key>` of a yes/no or choice item. */
export const ITEM_QUESTION_KEY = /^item\.[a-z][a-z0-9_]{0,31}$/

const day = z.iso.date().meta({ description: 'A UTC day, YYYY-MM-DD' })
const attributeName = z
  .string()
  .regex(ATTRIBUTE_NAME, 'must be 1–64 letters, digits, _ or -, and not a name like constructor')
const groupKey = z.string().refine(
  k => ATTRIBUTE_NAME.test(k) || ITEM_QUESTION_KEY.test(k),
  'must be an attribute name (1–64 letters, digits, _ or -, not a name like constructor) or item.<key>'
)
export const IntervalSchema = z.enum(INTERVALS)

const periodShape = {
  from: day
    .optional()
    .meta({
      description:
        'First day (UTC), widened to the start of its release block (of its month, for questions about attributes)'
    }),
  to: day
    .optional()
    .meta({
      description:
        'Last day (UTC), widened to the end of its release block (of its month, for questions about attributes)'
    })
}
const fromNotAfterTo = (q: { from?: string | undefined; to?: string | undefined }): boolean =>
  q.from === undefined || q.to === undefined || q.from <= q.to
const fromToIssue = { message: 'must not be before `from`', path: ['to'] }

export const ResultsQuerySchema = z
  .object({
    ...periodShape,
    interval: IntervalSchema.optional().meta({
      description: 'Adds a `series` with one bucket per day, ISO week or month; only month with filters or group_by'
    }),
    group_by: groupKey
      .optional()
      .meta({
        description: 'Adds `groups`, one per value of this attribute (null: answers without it); ' +
          '`item.<key>` groups by the answer to a yes/no or choice item'
      })
  })
  .catchall(
    plainText(z.string().min(1).max(200)).meta({
      description: 'Any other key filters by that attribute, e.g. `category=hardware`, or by the answer to a ' +
        'yes/no or choice item, e.g. `item.fcr=no`'
    })
  )
  .refine(fromNotAfterTo, fromToIssue)
  .meta({
    description:
      'Any query key other than from, to, interval and group_by filters by that attribute (e.g. `?category=hardware`).'
  })
export type ResultsQuery = z.infer<typeof ResultsQuerySchema>

export const TeamResultsQuerySchema = z
  .strictObject({
    team: plainText(z.string().trim().min(1).max(100)),
    metric: MetricSchema,
    ...periodShape,
    interval: IntervalSchema.optional()
  })
  .refine(fromNotAfterTo, fromToIssue)
export type TeamResultsQuery = z.infer<typeof TeamResultsQuerySchema>

export const ExportQuerySchema = z.strictObject(periodShape).refine(fromNotAfterTo, fromToIssue)

export const ReportQuerySchema = z
  .strictObject({
    ...periodShape,
    interval: IntervalSchema.optional().meta({ description: 'Default: week for up to 120 days, month beyond' }),
    group_by: attributeName
      .optional()
      .meta({ description: 'The breakdown; default: the attribute most answers carry' }),
    locale: LocaleSchema.optional().meta({ description: "Language of the report; default: the survey's" })
  })
  .refine(fromNotAfterTo, fromToIssue)
export type ReportQuery = z.infer<typeof ReportQuerySchema>

const interval = z.object({ low: z.number(), high: z.number() })
const NpsSchema = z
  .object({
    score: z.number().meta({ description: 'NPS, −100 to 100' }),
    promoters: z.number().int(),
    passives: z.number().int(),
    detractors: z.number().int(),
    margin_of_error: z.number(),
    adjusted_wald: interval
  })
  .meta({ id: 'Nps' })
const CsatSchema = z
  .object({
    score: z.number().meta({ description: 'Top-2-box: percent of 4s and 5s' }),
    satisfied: z.number().int(),
    mean: z.number(),
    margin_of_error: z.number(),
    adjusted_wald: interval
  })
  .meta({ id: 'Csat' })
const CesSchema = z
  .object({
    score: z.number().meta({ description: 'The mean, 1–7' }),
    mean: z.number(),
    easy: z.number().int(),
    easy_percent: z.number(),
    margin_of_error: z.number()
  })
  .meta({ id: 'Ces' })

const SuppressionReasonSchema = z
  .enum(['below_min_group_size', 'complementary', 'period', 'item'])
  .meta({
    description: 'period: a cell over several months that at least one of those months does not show; ' +
      'item: a cell of an item\'s answers where that item\'s result is not shown around it'
  })

const ResponseRateSchema = z
  .object({
    responses: z.number().int().meta({ description: 'Answers through e-mail or link invitations in the period' }),
    delivered: z.number().int().meta({ description: 'Invitations delivered in the period' }),
    percent: z.number().nullable().meta({ description: 'responses / delivered × 100; null when none were delivered' })
  })
  .meta({ id: 'ResponseRate' })

const ItemResultSchema = z
  .object({
    type: z.enum(['yes_no', 'rating', 'choice', 'multi_choice', 'text']),
    retired: z.boolean(),
    answered: z.number().int().nullable().meta({
      description: 'Answers to the item in this cell; null where its result is suppressed'
    }),
    suppressed: z.boolean(),
    suppression_reason: SuppressionReasonSchema.nullable(),
    yes_no: z
      .object({
        yes: z.number().int(),
        no: z.number().int(),
        percent: z.number().meta({ description: 'Share of yes, percent' }),
        adjusted_wald: interval.meta({ description: 'Agresti–Coull 95 % interval of the share, percent' })
      })
      .nullable()
      .optional()
      .meta({ description: 'yes_no items' }),
    rating: z
      .object({
        mean: z.number(),
        top_2_box: z.number().int().meta({ description: 'Answers of 4 or 5' }),
        top_2_box_percent: z.number(),
        distribution: z.array(z.object({ score: z.number().int(), count: z.number().int() }))
      })
      .nullable()
      .optional()
      .meta({ description: 'rating items (1–5)' }),
    options: z
      .array(
        z.object({
          key: z.string(),
          count: z.number().int(),
          percent: z.number().meta({
            description: 'Of the respondents who answered the item (multi_choice: may sum above 100)'
          })
        })
      )
      .nullable()
      .optional()
      .meta({ description: 'choice and multi_choice items, every option in the definition\'s order' })
  })
  .meta({
    id: 'ItemResult',
    description: 'One item in one cell, under the rules of docs/results.md ("Items"); text items show their count only'
  })

const cellShape = {
  responses: z.number().int().nullable().meta({
    description: 'Answers in the cell; null only in a cell of an item\'s answers (filter or group_by item.<key>) ' +
      'whose count would tell that item\'s answers (suppression_reason item)'
  }),
  suppressed: z.boolean(),
  suppression_reason: SuppressionReasonSchema.nullable(),
  nps: NpsSchema.nullable().optional(),
  csat: CsatSchema.nullable().optional(),
  ces: CesSchema.nullable().optional(),
  distribution: z.array(z.object({ score: z.number().int(), count: z.number().int() })).nullable(),
  items: z.record(z.string(), ItemResultSchema).nullable().optional().meta({
    description: 'Item results by item key (retired items included); null where the cell has none: ' +
      'buckets of days or weeks, months not complete yet (item results count complete release months)'
  })
}

const BucketSchema = z.object({
  start: z.string().meta({ description: 'First day of the calendar bucket' }),
  end: z.string().meta({ description: 'Last day of the calendar bucket' }),
  covers: z
    .object({ from: z.string(), to: z.string() })
    .nullable()
    .meta({ description: 'The days of the release blocks counted here: a block counts in the bucket it starts in' }),
  ...cellShape,
  response_rate: ResponseRateSchema.nullable()
})

const GroupSchema = z.object({
  value: z.string().nullable().meta({ description: 'null: the answers without this attribute' }),
  ...cellShape
})

const DefinitionSchema = z
  .object({
    metric: MetricSchema,
    scale: z.object({ min: z.number().int(), max: z.number().int() }),
    rule: z.string(),
    min_group_size: z.number().int(),
    min_comment_group_size: z.number().int(),
    suppression: z.string()
  })
  .meta({ id: 'ResultsDefinition' })

export const PendingReasonSchema = z.enum(['today', 'answers', 'invited', 'people', 'month'])

const resultsShape = {
  period: z
    .object({ from: z.string(), to: z.string() })
    .nullable()
    .meta({
      description: 'The days counted: the requested period widened to whole release blocks; null when none is released'
    }),
  requested: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  pending_responses: z
    .number()
    .int()
    .meta({
      description:
        "Answers not counted yet: today's, fewer than min_group_size since the last block, " +
        'and, for questions about attributes, those of months not complete yet'
    }),
  pending_reasons: z.array(PendingReasonSchema).meta({
    description:
      'Why answers are pending: `today` (the day is not over), ' +
      '`answers` (fewer than min_group_size since the last block), ' +
      '`invited` (answers to invitations since the last block: some, but fewer than min_group_size), ' +
      '`people` (answers through collectors since the last block come from fewer than min_group_size ' +
      'different clients), `month` (questions about attributes: the month is not complete). ' +
      'See docs/anonymity.md, "Readers who can also answer"'
  }),
  ...cellShape,
  response_rate: ResponseRateSchema.nullable().meta({
    description: 'null when filtered by an attribute: invitations are not counted per attribute'
  }),
  definition: DefinitionSchema,
  interval: IntervalSchema.optional(),
  series: z.array(BucketSchema).optional(),
  items_period: z
    .object({ from: z.string(), to: z.string() })
    .nullable()
    .meta({
      description: 'The days the item results count: the complete release months inside `period`; null when none'
    })
}

export const SurveyResultsSchema = z
  .object({
    survey: z.object({
      id: z.string(),
      name: z.string(),
      kind: SurveyKindSchema,
      team: z.string(),
      metric: MetricSchema
    }),
    filters: z.record(z.string(), z.string()),
    ...resultsShape,
    group_by: z.string().optional(),
    groups: z.array(GroupSchema).optional(),
    target: TargetStatusSchema.nullable()
      .optional()
      .meta({ description: "The survey's target judged on its latest release block; null without a target" }),
    item_targets: z.array(ItemTargetStatusSchema).optional()
      .meta({ description: "The survey's targets on its items, each judged on its latest complete month" })
  })
  .meta({ id: 'SurveyResults' })
export type SurveyResults = z.infer<typeof SurveyResultsSchema>

export const TeamResultsSchema = z
  .object({
    team: z.string(),
    metric: MetricSchema,
    surveys: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        kind: SurveyKindSchema,
        status: z.enum(['active', 'closed']),
        responses: z.number().int()
      })
    ),
    ...resultsShape,
    target: TargetStatusSchema.nullable()
      .optional()
      .meta({ description: "The team's target judged on its latest month; null without a target" }),
    item_targets: z.array(ItemTargetStatusSchema).optional()
      .meta({ description: "The team's targets on item keys, each judged on its latest complete month" })
  })
  .meta({ id: 'TeamResults' })
export type TeamResults = z.infer<typeof TeamResultsSchema>

export const CreateShareLinkSchema = z
  .strictObject({
    expires_in_days: z.number().int().min(1).max(365).default(14),
    from: day.optional(),
    to: day.optional(),
    interval: IntervalSchema.optional(),
    group_by: attributeName.optional(),
    locale: LocaleSchema.optional()
  })
  .refine(fromNotAfterTo, fromToIssue)
export type CreateShareLink = z.infer<typeof CreateShareLinkSchema>

export const ShareLinkSchema = z
  .object({
    id: z.string(),
    survey_id: z.string(),
    url: z
      .string()
      .nullable()
      .meta({ description: 'The link; given once, when it is made (only a hash of its token is kept)' }),
    options: z.object({
      from: day.optional(),
      to: day.optional(),
      interval: IntervalSchema.optional(),
      group_by: z.string().optional(),
      locale: LocaleSchema.optional()
    }),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    revoked_at: z.iso.datetime().nullable(),
    status: z.enum(['active', 'expired', 'revoked'])
  })
  .meta({ id: 'ShareLink' })
export type ShareLink = z.infer<typeof ShareLinkSchema>

export const ShareLinkListSchema = z.object({ items: z.array(ShareLinkSchema) }).meta({ id: 'ShareLinkList' })
export const TokenParamsSchema = z.object({ token: z.string().min(1).max(128) })
export { IdParamsSchema }

/** Attribute filters of a results query: every key that is not a known parameter. */
export function filtersOf (query: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(query)
    .filter((e): e is [string, string] => !RESERVED.has(e[0]) && typeof e[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}
