import { z } from 'zod'
import { LocaleSchema, plainText, PROTOTYPE_NAME_MESSAGE, PROTOTYPE_NAMES } from '../schemas.js'
import { INVITATION_STATUSES } from './tables.js'

export const MAX_BATCH = 10_000
export const MAX_ATTRIBUTES = 20

export const AttributeKeySchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'must be 1–40 letters, digits, _ or -, starting with a letter')
  .refine(k => !PROTOTYPE_NAMES.includes(k), PROTOTYPE_NAME_MESSAGE)
/** An attribute's value: what results group by, so no control characters or bidi overrides. */
export const AttributeValueSchema = plainText(z.string().trim().min(1).max(200))
export const AttributesSchema = z
  .record(AttributeKeySchema, AttributeValueSchema)
  .refine(a => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
  .meta({
    description:
      'What the answer may be grouped by (team, agent, category, location, …): ' +
      'up to 20 keys, values up to 200 characters. ' +
      'Kept on the response, so keep them coarse enough not to single anyone out.'
  })

export const EmailSchema = z.email('must be an e-mail address').max(254)
// It reaches the mail's subject and text: no CR/LF, NUL or bidi overrides (docs/mail.md).
export const CaseRefSchema = plainText(z.string().trim().min(1).max(200))

export const InvitationInputSchema = z
  .strictObject({
    channel: z
      .enum(['email', 'link'])
      .default('email')
      .meta({
        description:
          '`email`: Puls mails the link. `link`: the answer carries the survey URL, once, to hand out yourself'
      }),
    email: EmailSchema.optional().meta({
      description: 'Required for `email`. For `link` optional: only its keyed hash is kept, for throttling and opt-out'
    }),
    locale: LocaleSchema.optional().meta({
      description: "Language of mail and page; unset: the browser's, else the survey default"
    }),
    case_ref: CaseRefSchema.optional().meta({
      description: 'The ticket: one invitation per case_ref and survey, repeats answer `duplicate`'
    }),
    attributes: AttributesSchema.optional()
  })
  .check(ctx => {
    if (ctx.value.channel === 'email' && ctx.value.email === undefined) {
      ctx.issues.push({
        code: 'custom',
        path: ['email'],
        message: 'is required for the email channel',
        input: ctx.value
      })
    }
  })
export type InvitationInput = z.infer<typeof InvitationInputSchema>

export const BatchInputSchema = z.strictObject({
  invitations: z.array(InvitationInputSchema).min(1).max(MAX_BATCH, `at most ${MAX_BATCH} invitations per batch`)
})

export const IdempotencyHeadersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .meta({ description: 'Retries with the same key within 24 hours answer the first result and change nothing' })
})

/** What a call did: a new invitation (`queued`, `sent`, `throttled`, `opted_out`) or none (`duplicate`). */
export const OUTCOMES = ['queued', 'sent', 'throttled', 'opted_out', 'duplicate'] as const
export type Outcome = (typeof OUTCOMES)[number]
export const OutcomeSchema = z.enum(OUTCOMES)

export const InvitationSchema = z
  .object({
    id: z.string(),
    survey_id: z.string(),
    channel: z.enum(['email', 'link']),
    // A duplicate would otherwise tell any key holder whether a named person answered (docs/anonymity.md).
    status: z
      .enum(INVITATION_STATUSES)
      .optional()
      .meta({
        description:
          'Where the invitation is now; absent in a `duplicate` answer, which never says whether the first was answered'
      }),
    locale: LocaleSchema.nullable(),
    case_ref: z.string().nullable(),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    delivered_on: z.iso.date().nullable().meta({ description: 'UTC day the mail went out or the link was handed out' })
  })
  .meta({ id: 'Invitation' })
export type Invitation = z.infer<typeof InvitationSchema>

const url = z
  .url()
  .optional()
  .meta({
    description:
      'The survey link of a new `link` invitation. ' +
      'Shown in this answer only, never again (retries included): only its hash is stored'
  })

export const InvitationResultSchema = z
  .object({
    status: OutcomeSchema.meta({
      description:
        '`duplicate`: this case_ref (or, for relationship surveys, this person) was invited before; ' +
        '`invitation` is that first one'
    }),
    invitation: InvitationSchema,
    url
  })
  .meta({ id: 'InvitationResult' })
export type InvitationResult = z.infer<typeof InvitationResultSchema>

export const BatchResultSchema = z
  .object({
    counts: z.object(Object.fromEntries(OUTCOMES.map(o => [o, z.number().int()])) as Record<Outcome, z.ZodNumber>),
    items: z
      .array(z.object({ id: z.string(), status: OutcomeSchema, url }))
      .meta({ description: 'One per input item, in input order' })
  })
  .meta({ id: 'InvitationBatchResult' })
export type BatchResult = z.infer<typeof BatchResultSchema>
