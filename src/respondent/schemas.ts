import { z } from 'zod'
import { AppError, type FieldError } from '../errors.js'
import { ProblemSchema } from '../schemas.js'
import type { ItemAnswers } from '../responses/tables.js'
import { SCALES } from '../surveys/defaults.js'
import type { SurveyRow } from '../surveys/tables.js'
import { checkItemAnswers, type AnswerSource } from './items.js'

/** The longest comment we keep (characters); the page's text box stops there too. */
export const MAX_COMMENT = 2000
/** A text item's answer follows the comment's rules, its length limit included. */
export const MAX_TEXT_ANSWER = MAX_COMMENT

export const TokenParamsSchema = z.object({ token: z.string().min(1).max(200) })

export const SurveyPageQuerySchema = z.object({
  score: z
    .string()
    .max(20)
    .optional()
    .meta({
      description:
        'Pre-selects this score (the one-click buttons of a mail). Records nothing; a value off the scale is ignored'
    })
})

// Browsers send a text box's line breaks as CRLF but count them as one character against its
// maxlength, so they are normalised before the length is checked.
const CommentSchema = z
  .string()
  .transform(s => s.replace(/\r\n?/g, '\n').trim())
  .pipe(z.string().max(MAX_COMMENT, `must be at most ${MAX_COMMENT} characters`))

export const AnswerBodySchema = z.object({
  score: z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^-?\d{1,3}$/, 'must be a whole number')
        .transform(Number)
    ])
    .meta({
      description: "On the survey's scale: NPS 0–10, CSAT 1–5, CES 1–7. A form field (string) or a JSON number"
    }),
  comment: CommentSchema.optional().meta({
    description: `Optional, at most ${MAX_COMMENT} characters; stored as plain text`
  }),
  items: z
    .record(z.string().max(64), z.union([z.string(), z.number(), z.array(z.string()).max(20), z.null()]))
    .optional()
    .meta({
      description:
        'Answers to the survey\'s items by key: yes_no `"yes"` or `"no"`, rating 1–5, ' +
        'choice an option key, ' +
        'multi_choice a list of option keys, text a string (as the comment). ' +
        'null, "" or [] leave an item unanswered. ' +
        'A form sends `items.<key>` fields instead (a multi_choice one per ticked option)'
    })
})
export type AnswerBody = z.infer<typeof AnswerBodySchema>

export const AnswerRecordedSchema = z.object({ status: z.literal('recorded') }).meta({ id: 'AnswerRecorded' })

export interface CheckedAnswer {
  score: number
  comment: string | null
  items: ItemAnswers | null
}

/**
 * Checks the score against the survey's scale and the items against its definitions; the answer
 * to store, or a 400 naming every bad field (`body.score`, `body.items.<key>`).
 */
export function checkAnswer (
  body: AnswerBody,
  survey: Pick<SurveyRow, 'metric' | 'items'>,
  source: AnswerSource
): CheckedAnswer {
  const scale = SCALES[survey.metric]
  const errors: FieldError[] = []
  const scoreOk = Number.isInteger(body.score) && body.score >= scale.min && body.score <= scale.max
  if (!scoreOk) errors.push({ path: 'body.score', message: `must be a whole number from ${scale.min} to ${scale.max}` })
  const items = checkItemAnswers(survey, scoreOk ? body.score : undefined, body.items, source)
  errors.push(...items.errors)
  if (errors.length > 0) {
    throw new AppError(
      400,
      'validation_failed',
      'Bad Request',
      errors.map(e => `${e.path}: ${e.message}`).join('; '),
      errors
    )
  }
  const comment = body.comment === undefined || body.comment === '' ? null : body.comment
  return { score: body.score, comment, items: items.items }
}

const html = { 'text/html': { schema: z.string().meta({ description: "A page in the respondent's language" }) } }
/** An error on a respondent route: a friendly page, or problem JSON for clients that ask for it. */
export const pageOrProblem = { content: { ...html, 'application/problem+json': { schema: ProblemSchema } } }
export const page = { content: html }
/** A redirect: no body, only a Location. */
export const seeOther = (description: string) => z.null().meta({ description })
