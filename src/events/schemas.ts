import { z } from 'zod'
import {
  AttributesSchema,
  AttributeValueSchema,
  CaseRefSchema,
  EmailSchema,
  InvitationSchema
} from '../invitations/schemas.js'
import { localeOfTag } from '../i18n/negotiate.js'

const attribute = AttributeValueSchema

/** A BCP-47 tag (`de-DE`, or `nb_NO` as some systems write it) as en, de or nb; others: the survey's default. */
export const CaseLocaleSchema = z
  .string()
  .trim()
  .max(35)
  .regex(/^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/, 'must be a BCP-47 language tag such as de or de-DE')
  .transform(tag => localeOfTag(tag))
  .meta({
    description:
      'BCP-47 tag; `de-DE` counts as de, `no`/`nn`/`nb-NO` as nb; ' +
      "a language Puls does not have uses the survey's default"
  })

export const CaseClosedSchema = z.strictObject({
  case_ref: CaseRefSchema,
  email: EmailSchema.meta({ description: 'The requester; kept only until the invitation ends' }),
  team: attribute.meta({ description: "Picks the team's active post_case survey; also kept as the `team` attribute" }),
  agent: attribute.optional(),
  category: attribute.optional(),
  locale: CaseLocaleSchema.optional(),
  attributes: AttributesSchema.optional().meta({
    description: 'More attributes; `team`, `agent` and `category` above win over the same keys here'
  })
})
export type CaseClosed = z.infer<typeof CaseClosedSchema>

export const CaseReopenedSchema = z.strictObject({
  case_ref: CaseRefSchema,
  team: attribute
    .optional()
    .meta({ description: "Only this team's post_case surveys; unset: every survey with this case_ref" })
})

export const CaseReopenedResultSchema = z
  .object({
    cancelled: z
      .number()
      .int()
      .meta({
        description:
          'How many invitations of the case were withdrawn, answered or not (0 when it had none, or on a repeat)'
      }),
    invitations: z.array(InvitationSchema)
  })
  .meta({ id: 'CaseReopenedResult' })
