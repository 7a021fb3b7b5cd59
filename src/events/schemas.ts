import { z } from 'zod'
import { AttributesSchema, AttributeValueSchema, CaseRefSchema, EmailSchema, InvitationSchema } from '../invitations/schemas.js'
import { LocaleSchema } from '../schemas.js'

const attribute = AttributeValueSchema

export const CaseClosedSchema = z.strictObject({
  case_ref: CaseRefSchema,
  email: EmailSchema.meta({ description: 'The requester; kept only until the invitation ends' }),
  team: attribute.meta({ description: 'Picks the team\'s active post_case survey; also kept as the `team` attribute' }),
  agent: attribute.optional(),
  category: attribute.optional(),
  locale: LocaleSchema.optional(),
  attributes: AttributesSchema.optional().meta({ description: 'More attributes; `team`, `agent` and `category` above win over the same keys here' })
})
export type CaseClosed = z.infer<typeof CaseClosedSchema>

export const CaseReopenedSchema = z.strictObject({
  case_ref: CaseRefSchema,
  team: attribute.optional().meta({ description: 'Only this team\'s post_case surveys; unset: every survey with this case_ref' })
})

export const CaseReopenedResultSchema = z.object({
  cancelled: z.number().int().meta({ description: 'How many unanswered invitations were cancelled (0 when none was open)' }),
  invitations: z.array(InvitationSchema)
}).meta({ id: 'CaseReopenedResult' })
