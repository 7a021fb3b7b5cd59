import { z } from 'zod'
import { MetricSchema } from '../surveys/schemas.js'

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

export const TeamTargetParamsSchema = z.object({ team: z.string().trim().min(1).max(100), metric: MetricSchema })
