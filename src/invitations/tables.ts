import { sql, type SQL } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex, type SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { surveys } from '../surveys/tables.js'

export const INVITATION_STATUSES = [
  'queued',
  'sent',
  'failed',
  'throttled',
  'opted_out',
  'answered',
  'expired',
  'cancelled'
] as const
export type InvitationStatus = (typeof INVITATION_STATUSES)[number]
/** Statuses in which the invitation's link can still be answered. */
export const OPEN_STATUSES = ['queued', 'sent', 'failed'] as const satisfies readonly InvitationStatus[]

/**
 * `status IN ('queued', 'sent', 'failed')` with the statuses written out, not bound: SQLite uses a
 * partial index only for a query whose WHERE holds its WHERE term as written, and a bound
 * parameter never matches a literal. Queries that should use `invitations_open_expiry_idx` add it.
 */
export function isOpen (status: SQLiteColumn): SQL {
  return sql`${status} in (${sql.raw(OPEN_STATUSES.map(s => `'${s}'`).join(', '))})`
}

// An invitation knows whom to ask, never what they answered (docs/anonymity.md). `email` and `attributes`
// are erased (set to null) once it ends: answered, expired, cancelled or its survey closed.
export const invitations = sqliteTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    surveyId: text('survey_id')
      .notNull()
      .references(() => surveys.id),
    channel: text('channel', { enum: ['email', 'link'] }).notNull(),
    /** SHA-256 of the token; null for invitations that were never deliverable (throttled, opted out). */
    tokenHash: text('token_hash').unique(),
    /**
     * SHA-256 of the reminder's own token: the first token's plain text is gone when the reminder is
     * made. Either token opens the same invitation, and answering through one uses up both. Set
     * once, so there is never a second reminder.
     */
    reminderTokenHash: text('reminder_token_hash').unique(),
    status: text('status', { enum: INVITATION_STATUSES }).notNull(),
    locale: text('locale', { enum: ['en', 'de', 'nb'] }),
    caseRef: text('case_ref'),
    email: text('email'),
    /** HMAC-SHA256(PULS_SECRET, normalised address): throttling and opt-out without the address. */
    recipientHash: text('recipient_hash'),
    attributes: text('attributes', { mode: 'json' })
      .$type<Record<string, string>>()
      .default(sql`'{}'`),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    /** UTC day the invitation reached its recipient (mail sent, link handed out): the response-rate denominator. */
    deliveredOn: text('delivered_on')
  },
  t => [
    uniqueIndex('invitations_case_ref_idx').on(t.surveyId, t.caseRef),
    // No index holds `status` in its key: answering an invitation (the hot write) changes only its
    // status, and every index entry keyed on it would move (two more pages written per answer,
    // BENCHMARKS.md). Open invitations by expiry (the sweep, reminders) are a partial index, which
    // an answer only leaves; a survey's invitations by expiry (retention, closing a survey) are
    // keyed on columns an answer never changes.
    index('invitations_recipient_idx').on(t.recipientHash, t.surveyId, t.createdAt),
    index('invitations_open_expiry_idx').on(t.expiresAt).where(isOpen(t.status)),
    index('invitations_survey_expiry_idx').on(t.surveyId, t.expiresAt),
    index('invitations_delivered_idx').on(t.surveyId, t.deliveredOn)
  ]
)

export type InvitationRow = typeof invitations.$inferSelect
export type NewInvitationRow = typeof invitations.$inferInsert

// Whoever opted out of survey mail, known only by the keyed hash of the address (docs/anonymity.md, promise 3):
// the table cannot be read back into a list of people.
export const optOuts = sqliteTable('opt_outs', {
  recipientHash: text('recipient_hash').primaryKey(),
  /** UTC day of the opt-out. */
  createdOn: text('created_on').notNull()
})

// Replays of a request with the same `Idempotency-Key` answer what the first one answered, for
// 24 hours. Key and request are kept as HMACs: the table holds no address and no token, and the
// stored answer leaves out a link invitation's URL (it is shown once).
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    keyHash: text('key_hash').primaryKey(),
    /** HMAC of method, path and validated body: the same key with another request is refused. */
    fingerprint: text('fingerprint').notNull(),
    statusCode: integer('status_code').notNull(),
    body: text('body', { mode: 'json' }).$type<unknown>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull()
  },
  t => [index('idempotency_keys_created_idx').on(t.createdAt)]
)

// Invitations delivered per survey and day, of invitations that retention has purged: the
// response rate's denominator (docs/results.md) outlives the rows it counts, for as long as the answers
// of that day are kept. Counts only; nothing here refers to a person or an invitation.
export const deliveredCounts = sqliteTable(
  'delivered_counts',
  {
    surveyId: text('survey_id')
      .notNull()
      .references(() => surveys.id),
    /** UTC day of delivery, `YYYY-MM-DD`, as the purged invitations' `delivered_on`. */
    day: text('day').notNull(),
    n: integer('n').notNull()
  },
  t => [primaryKey({ columns: [t.surveyId, t.day] })]
)
