import { z } from 'zod'
import { AppError, type FieldError } from '../errors.js'
import { ProblemSchema } from '../schemas.js'
import type { Scale } from '../surveys/defaults.js'

/** The longest comment we keep (characters); the page's text box stops there too. */
export const MAX_COMMENT = 2000
/** A text item's answer follows the comment's rules, its length limit included. */
export const MAX_TEXT_ANSWER = MAX_COMMENT

export const TokenParamsSchema = z.object({ token: z.string().min(1).max(200) })

export const SurveyPageQuerySchema = z.object({
  score: z.string().max(20).optional()
    .meta({ description: 'Pre-selects this score (the one-click buttons of a mail). Records nothing; a value off the scale is ignored' })
})

// Browsers send a text box's line breaks as CRLF but count them as one character against its
// maxlength, so they are normalised before the length is checked.
const CommentSchema = z.string().transform(s => s.replace(/\r\n?/g, '\n').trim())
  .pipe(z.string().max(MAX_COMMENT, `must be at most ${MAX_COMMENT} characters`))

export const AnswerBodySchema = z.object({
  score: z.union([z.number(), z.string().trim().regex(/^-?\d{1,3}$/, 'must be a whole number').transform(Number)])
    .meta({ description: 'On the survey\'s scale: NPS 0–10, CSAT 1–5, CES 1–7. A form field (string) or a JSON number' }),
  comment: CommentSchema.optional().meta({ description: `Optional, at most ${MAX_COMMENT} characters; stored as plain text` })
})
export type AnswerBody = z.infer<typeof AnswerBodySchema>

export const AnswerRecordedSchema = z.object({ status: z.literal('recorded') }).meta({ id: 'AnswerRecorded' })

/** Checks the score against the survey's scale; the answer to store, or a 400 naming the field. */
export function checkAnswer (body: AnswerBody, scale: Scale): { score: number, comment: string | null } {
  const errors: FieldError[] = []
  if (!Number.isInteger(body.score) || body.score < scale.min || body.score > scale.max) {
    errors.push({ path: 'body.score', message: `must be a whole number from ${scale.min} to ${scale.max}` })
  }
  if (errors.length > 0) {
    throw new AppError(400, 'validation_failed', 'Bad Request', errors.map(e => `${e.path}: ${e.message}`).join('; '), errors)
  }
  return { score: body.score, comment: body.comment === undefined || body.comment === '' ? null : body.comment }
}

const html = { 'text/html': { schema: z.string().meta({ description: 'A page in the respondent\'s language' }) } }
/** An error on a respondent route: a friendly page, or problem JSON for clients that ask for it. */
export const pageOrProblem = { content: { ...html, 'application/problem+json': { schema: ProblemSchema } } }
export const page = { content: html }
/** A redirect: no body, only a Location. */
export const seeOther = (description: string) => z.null().meta({ description })
