import { z } from 'zod'

// Zod pieces shared by every domain: locales, the problem body, pagination.

// Plainer messages than zod's defaults: these reach API users verbatim in `errors[].message`.
z.config({
  customError: issue => {
    if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required'
    return undefined
  }
})

export const LOCALES = ['en', 'de', 'nb'] as const
export const LocaleSchema = z.enum(LOCALES)
export type Locale = z.infer<typeof LocaleSchema>

// C0 and C1 control characters, and the bidi overrides and isolates that make text read in another
// order than it is stored. None belongs in a name, a value or a case_ref: they break mail headers,
// logs and CSV cells, and U+0002 stands for "any value" inside the results engine (docs/anonymity.md).
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

/** Text without control characters or bidi overrides (attribute values, case_ref, filters). */
export function plainText (schema: z.ZodString = z.string()): z.ZodString {
  return schema.refine(s => !UNSAFE_CHARACTERS.test(s), 'must not hold control characters or bidi overrides')
}

/** Names every plain object already has (`constructor`, `toString`, `__proto__`, …): never an attribute name. */
export const PROTOTYPE_NAMES: readonly string[] = Object.getOwnPropertyNames(Object.prototype)
export const PROTOTYPE_NAME_MESSAGE =
  'must not be a name every JavaScript object already has (constructor, toString, …)'

export const FieldErrorSchema = z.object({
  path: z.string().meta({ description: 'Where the bad value is, e.g. `body.name` or `query.limit`' }),
  message: z.string()
})

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable machine-readable error code' }),
    request_id: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional()
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' })

/** The error statuses every authenticated route can answer. */
export const authProblems = {
  400: ProblemSchema,
  401: ProblemSchema
} as const

// No control characters: PostgreSQL refuses a NUL in text, and no id holds one (src/ids.ts).
export const IdParamsSchema = z.object({ id: plainText(z.string().min(1).max(64)) })

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional().meta({ description: 'The `next_cursor` of the previous page' })
})

/** Opaque cursor over a (created_at, id) ordering. */
export function encodeCursor (createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.getTime(), id])).toString('base64url')
}

export function decodeCursor (cursor: string): { createdAt: Date; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: new Date(value[0] as number), id: value[1] }
    }
  } catch {}
  return undefined
}
