import { z } from 'zod'
import { plainText } from '../schemas.js'
import { MetricSchema } from '../surveys/schemas.js'
import { ITEM_MEASURES } from './tables.js'

export const TARGET_STATES = ['met', 'missed', 'not_distinguishable', 'unknown'] as const

export const TARGET_RULE = 'met when the lower end of the 95 % interval (score − margin of error) is at least ' +
  'the target; missed when its upper end (score + margin of error) is below it; not_distinguishable in between; ' +
  'unknown while the latest period is suppressed or nothing is released. The latest period is the survey\'s ' +
  'latest release block, a team\'s latest month.'

export const SetTargetSchema = z.strictObject({
  value: z.number()
    .meta({ description: 'The score to reach at least: NPS −100…100, CSAT percent 0…100, CES mean 1…7' })
})

export const TargetSchema = z.object({
  scope: z.enum(['survey', 'team']),
  survey_id: z.string().nullable(),
  team: z.string().nullable(),
  metric: MetricSchema,
  value: z.number(),
  updated_at: z.iso.datetime()
}).meta({ id: 'Target' })
export type Target = z.infer<typeof TargetSchema>

export const TargetStatusSchema = z.object({
  value: z.number().meta({ description: 'The target: the metric\'s score should be at least this' }),
  state: z.enum(TARGET_STATES),
  period: z.object({ from: z.string(), to: z.string() }).nullable()
    .meta({ description: 'The latest released period it was judged on' }),
  score: z.number().nullable(),
  margin_of_error: z.number().nullable(),
  rule: z.string()
}).meta({ id: 'TargetStatus' })
export type TargetStatus = z.infer<typeof TargetStatusSchema>

export const TeamTargetParamsSchema = z.object({
  team: plainText(z.string().trim().min(1).max(100)),
  metric: MetricSchema
})

export const ITEM_TARGET_RULE = 'A target on an item\'s key is judged like a metric target, on the 95 % interval of ' +
  'the measure: yes_percent (the share of yes among those who answered a yes/no item) on its Agresti–Coull ' +
  'interval, mean (a rating\'s mean, 1–5) on mean ± 1.96 × sd / √n, top2_percent (a rating\'s share of 4s and ' +
  '5s) on its Agresti–Coull interval; met when the interval\'s lower end reaches the target, missed when its ' +
  'upper end stays below it, not_distinguishable in between, unknown while the item is suppressed or nothing ' +
  'is released.'

export const SetItemTargetSchema = z.strictObject({
  value: z.number()
    .meta({ description: 'The measure to reach at least: a percent 0…100, or a rating mean 1…5' }),
  measure: z.enum(ITEM_MEASURES).optional().meta({
    description: 'yes_percent (yes_no items; their default), mean (rating items; their default) or ' +
      'top2_percent (rating items: the share of 4s and 5s)'
  })
})

export const ItemTargetParamsSchema = z.object({
  id: plainText(z.string().min(1).max(64)),
  key: plainText(z.string().min(1).max(32))
})
export const TeamItemTargetParamsSchema = z.object({
  team: plainText(z.string().trim().min(1).max(100)),
  key: plainText(z.string().min(1).max(32))
})

export const ItemTargetSchema = z.object({
  scope: z.enum(['survey', 'team']),
  survey_id: z.string().nullable(),
  team: z.string().nullable(),
  item: z.string(),
  measure: z.enum(ITEM_MEASURES),
  value: z.number(),
  updated_at: z.iso.datetime()
}).meta({ id: 'ItemTarget' })
export type ItemTarget = z.infer<typeof ItemTargetSchema>

export const ItemTargetStatusSchema = z.object({
  item: z.string(),
  measure: z.enum(ITEM_MEASURES),
  value: z.number().meta({ description: 'The target: the measure should be at least this' }),
  state: z.enum(TARGET_STATES),
  period: z.object({ from: z.string(), to: z.string() }).nullable()
    .meta({ description: 'The latest released period it was judged on' }),
  score: z.number().nullable().meta({ description: 'The measure in that period' }),
  interval: z.object({ low: z.number(), high: z.number() }).nullable()
    .meta({ description: 'Its 95 % interval, on which the state is judged' }),
  rule: z.string()
}).meta({ id: 'ItemTargetStatus' })
export type ItemTargetStatus = z.infer<typeof ItemTargetStatusSchema>
