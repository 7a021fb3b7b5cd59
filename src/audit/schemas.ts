import { z } from 'zod'
import { PageQuerySchema, plainText } from '../schemas.js'
import { AUDIT_ACTIONS } from './service.js'

const day = z.iso.date().meta({ description: 'A UTC day, YYYY-MM-DD' })

export const AuditListQuerySchema = z.strictObject({
  ...PageQuerySchema.shape,
  limit: z.coerce.number().int().min(1).max(500).default(100),
  action: z.enum(AUDIT_ACTIONS).optional(),
  actor: z.string().min(1).max(200).optional()
    .meta({ description: 'A key id, `bootstrap`, a person\'s subject, a share link id or `cli`' }),
  survey_id: z.string().min(1).max(64).optional(),
  team: plainText(z.string().min(1).max(100)).optional(),
  from: day.optional(),
  to: day.optional()
})
export type AuditListQuery = z.infer<typeof AuditListQuerySchema>

export const AuditEventSchema = z.object({
  id: z.string(),
  at: z.string()
    .meta({ description: 'The UTC hour it happened in, e.g. `2026-03-02T09:00Z`: the trail keeps nothing finer' }),
  actor: z.string(),
  actor_kind: z.enum(['key', 'person', 'share_link', 'cli']),
  action: z.enum(AUDIT_ACTIONS),
  survey_id: z.string().nullable(),
  team: z.string().nullable(),
  target: z.string().nullable().meta({ description: 'The share link or API key acted on' })
}).meta({ id: 'AuditEvent' })
export type AuditEvent = z.infer<typeof AuditEventSchema>

export const AuditListSchema = z.object({ items: z.array(AuditEventSchema), next_cursor: z.string().nullable() })
