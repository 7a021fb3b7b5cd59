import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const WEBHOOK_EVENTS = ['results.released', 'target.missed', 'target.recovered', 'survey.closed'] as const
export type WebhookEvent = typeof WEBHOOK_EVENTS[number]
export const WEBHOOK_FORMATS = ['standard', 'slack', 'teams'] as const
export type WebhookFormat = typeof WEBHOOK_FORMATS[number]
export const DELIVERY_STATES = ['pending', 'sending', 'delivered', 'failed', 'cancelled'] as const

// Subscriptions to aggregate events (docs/integrations.md). The signing secret is kept as given
// out (it signs every delivery); it is answered only once, when the subscription is made.
export const webhookSubscriptions = sqliteTable('webhook_subscriptions', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: text('events', { mode: 'json' }).$type<WebhookEvent[]>().notNull(),
  /** Surveys and teams covered; both null: every survey. */
  surveyIds: text('survey_ids', { mode: 'json' }).$type<string[] | null>(),
  teams: text('teams', { mode: 'json' }).$type<string[] | null>(),
  format: text('format', { enum: WEBHOOK_FORMATS }).notNull(),
  locale: text('locale', { enum: ['en', 'de', 'nb'] }).notNull(),
  /** A report link the subscriber chose to show in chat messages; Puls never mints one into an event. */
  reportUrl: text('report_url'),
  secret: text('secret').notNull(),
  status: text('status', { enum: ['active', 'disabled'] }).notNull(),
  disabledReason: text('disabled_reason'),
  /** Failed attempts since the last delivered one. */
  failures: integer('failures').notNull().default(0),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
}, t => [index('webhook_subscriptions_created_idx').on(t.createdAt, t.id)])

// The webhook outbox: one row per event and subscription, rendered in its format, sent by the
// webhook worker (src/webhooks/worker.ts) with the claim/lease/retry pattern of the mail outbox.
export const webhookDeliveries = sqliteTable('webhook_deliveries', {
  /** Also the `webhook-id` header: the same on every attempt, so receivers can deduplicate. */
  id: text('id').primaryKey(),
  subscriptionId: text('subscription_id').notNull().references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
  event: text('event').notNull(),
  body: text('body').notNull(),
  state: text('state', { enum: DELIVERY_STATES }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
  leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
  leaseId: text('lease_id'),
  lastError: text('last_error'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  deliveredAt: integer('delivered_at', { mode: 'timestamp_ms' })
}, t => [
  index('webhook_deliveries_due_idx').on(t.state, t.nextAttemptAt),
  index('webhook_deliveries_subscription_idx').on(t.subscriptionId, t.createdAt)
])

/** Every attempt to deliver, as the subscriber's server answered it. */
export const webhookAttempts = sqliteTable('webhook_attempts', {
  id: text('id').primaryKey(),
  deliveryId: text('delivery_id').notNull().references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
  at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  /** The HTTP status; null when no answer came (refused, timed out, blocked address). */
  status: integer('status'),
  error: text('error'),
  durationMs: integer('duration_ms').notNull()
}, t => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.at)])

/**
 * What was last announced per survey: the release block and the target state, so the watch
 * job announces each block once and a target's change only when it crosses (hysteresis).
 */
export const webhookWatch = sqliteTable('webhook_watch', {
  /** `survey:<id>` or `team:<team>:<metric>`. */
  key: text('key').primaryKey(),
  lastBlockTo: text('last_block_to'),
  targetState: text('target_state', { enum: ['met', 'missed'] })
})

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect
export type DeliveryRow = typeof webhookDeliveries.$inferSelect
export type AttemptRow = typeof webhookAttempts.$inferSelect
