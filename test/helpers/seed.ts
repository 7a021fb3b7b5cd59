import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { invitations } from '../../src/invitations/tables.js'
import { recordClient } from '../../src/collectors/clients.js'
import { recordAnswer } from '../../src/respondent/answer.js'
import { eq } from 'drizzle-orm'
import type { ItemAnswers } from '../../src/responses/tables.js'
import { comboOf } from '../../src/results/engine/cell-key.js'
import { surveys } from '../../src/surveys/tables.js'
import { api } from './build.js'

// Test data for results. Answers go through recordAnswer, the storage step of the answer path
// (src/respondent/answer.ts), so that they are counted as a posted answer is; keep every seeding
// call here.

export interface Answer {
  score: number
  /** UTC day, YYYY-MM-DD. */
  day: string
  comment?: string | null
  attributes?: Record<string, string>
  channel?: 'email' | 'link' | 'collector'
  /**
   * For collector answers: the client (a keyed address) it came from, as release rules count
   * them (docs/anonymity.md, padding). Default: a client of its own, one person per answer.
   */
  client?: string
  /** Answers to the survey's items by key, as the answer path stores them. */
  items?: ItemAnswers
}

export async function seedAnswers (app: FastifyInstance, surveyId: string, answers: readonly Answer[]): Promise<void> {
  await app.store.transaction(async tx => {
    const [survey] = await tx.select({ items: surveys.items }).from(surveys).where(eq(surveys.id, surveyId))
    for (const a of answers) {
      await recordAnswer(tx, {
        surveyId,
        score: a.score,
        comment: a.comment ?? null,
        locale: 'en',
        channel: a.channel ?? 'email',
        attributes: a.attributes ?? {},
        items: a.items ?? null,
        answeredAt: new Date(`${a.day}T12:00:00Z`)
      }, survey!.items)
      if (a.channel === 'collector') {
        const client = a.client ?? randomBytes(16).toString('base64url')
        await recordClient(tx, {
          surveyId,
          client,
          combo: comboOf(a.attributes ?? {}),
          day: a.day,
          commented: (a.comment ?? '') !== ''
        })
      }
    }
  })
}

/** `count` answers of each score on one day with the same attributes. */
export function answers (
  day: string,
  scores: readonly number[],
  attributes: Record<string, string> = {},
  extra: Partial<Answer> = {}
): Answer[] {
  return scores.map(score => ({ score, day, attributes, ...extra }))
}

/** Invitations delivered on the given days: the response-rate denominator. */
export async function seedDelivered (
  app: FastifyInstance, surveyId: string, perDay: Record<string, number>
): Promise<void> {
  await app.store.transaction(async tx => {
    for (const [day, count] of Object.entries(perDay)) {
      for (let i = 0; i < count; i++) {
        const at = new Date(`${day}T08:00:00Z`)
        await tx.insert(invitations)
          .values({
            id: `inv_${randomBytes(12).toString('base64url')}`,
            surveyId,
            channel: 'email',
            status: 'sent',
            tokenHash: randomBytes(32).toString('hex'),
            createdAt: at,
            expiresAt: new Date(at.getTime() + 7 * 86_400_000),
            deliveredOn: day
          })
      }
    }
  })
}

export async function createSurvey (
  app: FastifyInstance,
  payload: Record<string, unknown> = {}
): Promise<{ id: string; [k: string]: unknown }> {
  const res = await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: { name: 'Survey', kind: 'relationship', team: 'it', ...payload }
  })
  if (res.statusCode !== 201) throw new Error(`creating a survey failed: ${res.body}`)
  return res.json()
}
