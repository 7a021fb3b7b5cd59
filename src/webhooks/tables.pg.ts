import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core'
import { timestampMs } from '../db/postgres/columns.js'
import { DELIVERY_STATES, WEBHOOK_FORMATS, type WebhookEvent } from './tables.js'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types.
export const webhookSubscriptions = pgTable('webhook_subscriptions', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: jsonb('events').$type<WebhookEvent[]>().notNull(),
  surveyIds: jsonb('survey_ids').$type<string[] | null>(),
  teams: jsonb('teams').$type<string[] | null>(),
  format: text('format', { enum: WEBHOOK_FORMATS }).notNull(),
  locale: text('locale', { enum: ['en', 'de', 'nb'] }).notNull(),
  reportUrl: text('report_url'),
  secret: text('secret').notNull(),
  status: text('status', { enum: ['active', 'disabled'] }).notNull(),
  disabledReason: text('disabled_reason'),
  failures: integer('failures').notNull().default(0),
  createdAt: timestampMs('created_at').notNull()
}, t => [index('webhook_subscriptions_created_idx').on(t.createdAt, t.id)])

export const webhookDeliveries = pgTable('webhook_deliveries', {
  id: text('id').primaryKey(),
  subscriptionId: text('subscription_id').notNull()
    .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
  event: text('event').notNull(),
  body: text('body').notNull(),
  state: text('state', { enum: DELIVERY_STATES }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: timestampMs('next_attempt_at').notNull(),
  leaseUntil: timestampMs('lease_until'),
  leaseId: text('lease_id'),
  lastError: text('last_error'),
  createdAt: timestampMs('created_at').notNull(),
  deliveredAt: timestampMs('delivered_at')
}, t => [
  index('webhook_deliveries_due_idx').on(t.state, t.nextAttemptAt),
  index('webhook_deliveries_subscription_idx').on(t.subscriptionId, t.createdAt)
])

export const webhookAttempts = pgTable('webhook_attempts', {
  id: text('id').primaryKey(),
  deliveryId: text('delivery_id').notNull().references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
  at: timestampMs('at').notNull(),
  status: integer('status'),
  error: text('error'),
  durationMs: integer('duration_ms').notNull()
}, t => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.at)])

export const webhookWatch = pgTable('webhook_watch', {
  key: text('key').primaryKey(),
  lastBlockTo: text('last_block_to'),
  targetState: text('target_state', { enum: ['met', 'missed'] })
})
