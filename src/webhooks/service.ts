import type { DbOrTx } from '../db/client.js'
import { InvalidFieldError, NotFoundError } from '../errors.js'
import { newId } from '../ids.js'
import { findSurvey } from '../surveys/repository.js'
import { refusal } from './address.js'
import { render, type PulsEvent } from './formats.js'
import * as repo from './repository.js'
import type { CreateWebhook, Webhook } from './schemas.js'
import { newWebhookSecret } from './sign.js'
import type { DeliveryRow, SubscriptionRow, WebhookEvent } from './tables.js'

export function toWebhook (row: SubscriptionRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    survey_ids: row.surveyIds ?? null,
    teams: row.teams ?? null,
    format: row.format,
    locale: row.locale,
    report_url: row.reportUrl,
    status: row.status,
    disabled_reason: row.disabledReason,
    failures: row.failures,
    created_at: row.createdAt.toISOString()
  }
}

/** POST /v1/webhooks: a subscription, with its signing secret answered this once. */
export async function createWebhook (
  db: DbOrTx,
  input: CreateWebhook,
  allowedHosts: string[] | undefined,
  now: Date
): Promise<Webhook> {
  const refused = refusal(input.url, allowedHosts)
  if (refused !== undefined) throw new InvalidFieldError('body.url', refused)
  for (const [i, id] of (input.survey_ids ?? []).entries()) {
    if (await findSurvey(db, id) === undefined) {
      throw new InvalidFieldError(`body.survey_ids[${i}]`, `survey ${id} does not exist`)
    }
  }
  const row = await repo.insertSubscription(db, {
    id: newId('wh'),
    url: input.url,
    events: input.events,
    surveyIds: input.survey_ids ?? null,
    teams: input.teams ?? null,
    format: input.format,
    locale: input.locale,
    reportUrl: input.report_url ?? null,
    secret: newWebhookSecret(),
    status: 'active',
    disabledReason: null,
    failures: 0,
    createdAt: now
  })
  return { ...toWebhook(row), secret: row.secret }
}

export async function getWebhookRow (db: DbOrTx, id: string): Promise<SubscriptionRow> {
  const row = await repo.findSubscription(db, id)
  if (row === undefined) throw new NotFoundError('webhook', id)
  return row
}

export async function deleteWebhook (db: DbOrTx, id: string): Promise<Webhook> {
  const row = await getWebhookRow(db, id)
  await repo.deleteSubscription(db, id)
  return toWebhook(row)
}

/** Turns a disabled subscription on again, with its failure count reset. */
export async function enableWebhook (db: DbOrTx, id: string): Promise<Webhook> {
  await getWebhookRow(db, id)
  await repo.enable(db, id)
  return toWebhook(await getWebhookRow(db, id))
}

/** Where an event comes from: which subscriptions it concerns. */
export interface EventScope {
  surveyId?: string
  team: string
}

function covers (s: SubscriptionRow, scope: EventScope): boolean {
  if (s.surveyIds === null && s.teams === null) return true
  const bySurvey = scope.surveyId !== undefined && (s.surveyIds ?? []).includes(scope.surveyId)
  return bySurvey || (s.teams ?? []).includes(scope.team)
}

/** Queues an event for every active subscription that wants it, in the caller's transaction. Returns how many. */
export async function emit (
  db: DbOrTx, event: PulsEvent & { type: WebhookEvent }, scope: EventScope, now: Date
): Promise<number> {
  const wanted = (await repo.activeSubscriptions(db)).filter(s => s.events.includes(event.type) && covers(s, scope))
  for (const s of wanted) await repo.enqueue(db, s.id, event.type, render(event, s.format, s.locale, s.reportUrl), now)
  return wanted.length
}

/** POST /v1/webhooks/:id/test: a `webhook.test` event for this subscription only. */
export async function testWebhook (db: DbOrTx, id: string, now: Date): Promise<DeliveryRow> {
  const s = await getWebhookRow(db, id)
  const day = now.toISOString().slice(0, 10)
  const body = render({ type: 'webhook.test', day, data: {} }, s.format, s.locale, s.reportUrl)
  return await repo.enqueue(db, s.id, 'webhook.test', body, now)
}

/** GET /v1/webhooks/:id/deliveries: the latest deliveries with every attempt. */
export async function listDeliveries (db: DbOrTx, id: string, limit: number) {
  await getWebhookRow(db, id)
  const rows = await repo.deliveriesOf(db, id, limit)
  const attempts = await repo.attemptsOf(
    db,
    rows.map(r => r.id)
  )
  return {
    items: rows.map(r => ({
      id: r.id,
      event: r.event,
      state: r.state,
      attempts: attempts
        .filter(a => a.deliveryId === r.id)
        .map(a => ({ at: a.at.toISOString(), status: a.status, error: a.error, duration_ms: a.durationMs })),
      next_attempt_at: r.state === 'pending' ? r.nextAttemptAt.toISOString() : null,
      last_error: r.lastError,
      created_at: r.createdAt.toISOString(),
      delivered_at: r.deliveredAt?.toISOString() ?? null
    }))
  }
}

export async function listWebhookRows (db: DbOrTx): Promise<SubscriptionRow[]> {
  return await repo.listSubscriptions(db)
}
