import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { surveys } from '../surveys/tables.js'

// A collector is a multi-use anonymous link for a place or a service point (docs/collectors.md): the
// URL on a poster or kiosk. Everyone who answers through it is anonymous to it; it knows only
// its place (label, attributes) and how many answers it may take per hour.
export const collectors = sqliteTable('collectors', {
  id: text('id').primaryKey(),
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  /**
   * The public token, kept in plain text: it is printed on a wall for anyone to read, so it is
   * not a secret that identifies a person, and the QR code and poster must be rendered again.
   */
  token: text('token').notNull(),
  /** SHA-256 of the token: `/s/<token>` hashes what it is given once and looks it up here. */
  tokenHash: text('token_hash').notNull().unique(),
  label: text('label').notNull(),
  /** Language of the poster, and of the survey page when the browser asks for none we have. */
  locale: text('locale', { enum: ['en', 'de', 'nb'] }).notNull(),
  /** Carried by every answer through this collector (location, floor, service point, …). */
  attributes: text('attributes', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  status: text('status', { enum: ['active', 'closed'] }).notNull().default('active'),
  /** Answers accepted per clock hour through this collector; more answer 429. */
  maxAnswersPerHour: integer('max_answers_per_hour').notNull(),
  /** Seconds one browser waits between two answers (0 for shared kiosk browsers). */
  cooldownSeconds: integer('cooldown_seconds').notNull(),
  /**
   * How its answers count toward a release block's minimum (docs/anonymity.md, padding): by the
   * distinct client addresses that answered (`clients`), or each answer alone (`answers`: a kiosk,
   * an office behind one NAT address; open to padding by whoever stands at it).
   */
  release: text('release', { enum: ['clients', 'answers'] }).notNull().default('clients'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  closedAt: integer('closed_at', { mode: 'timestamp_ms' })
}, t => [
  index('collectors_survey_idx').on(t.surveyId, t.createdAt, t.id)
])

// Answers per collector in the current clock hour, for the hourly cap. Only the current hour's
// row is kept (older ones are deleted as soon as the hour turns), so the table never becomes a
// record of when answers came in: a response itself keeps only its day (docs/anonymity.md, promise 2).
export const collectorHourCounts = sqliteTable('collector_hour_counts', {
  collectorId: text('collector_id').notNull().references(() => collectors.id),
  /** Hours since the Unix epoch (UTC). */
  hour: integer('hour').notNull(),
  count: integer('count').notNull()
}, t => [
  primaryKey({ columns: [t.collectorId, t.hour] }),
  index('collector_hour_counts_hour_idx').on(t.hour)
])

export type CollectorRow = typeof collectors.$inferSelect
export type NewCollectorRow = typeof collectors.$inferInsert

/**
 * The clients that answered through collectors, while their answers wait for release
 * (docs/anonymity.md, "Readers who can also answer"): a collector answer counts toward a release
 * block's minimum once per client, so one address adding answers cannot release another person's.
 * `client` is an HMAC of the address under the server secret (IPv6 by its /64), never the address;
 * `day` is the first day the client answered since its rows were last erased. `kind` is `answer`
 * (with `combo` '': the whole survey, for release blocks), `cell` (with `combo` the answer's
 * attributes as in response_combos, for the cells of questions about attributes) or `comment`
 * (the first day it left a comment). Rows are erased (their counts folded into
 * `collector_client_days`) once the blocks (or, for cells, the release month) of their day are
 * released, so the database holds these keys only for what is still open. WITHOUT ROWID (custom
 * migration): a rowid would record the order in which clients first came.
 */
export const collectorClients = sqliteTable('collector_clients', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  kind: text('kind', { enum: ['answer', 'cell', 'comment'] }).notNull(),
  combo: text('combo').notNull(),
  client: text('client').notNull(),
  day: text('day').notNull()
}, t => [
  primaryKey({ columns: [t.surveyId, t.kind, t.combo, t.client] })
])

/**
 * The distinct collector clients first seen per survey, kind, combination ('' for the whole survey)
 * and day, of rows erased from `collector_clients`: counts only, so blocks and cells decided over
 * those days stay as they were. WITHOUT ROWID.
 */
export const collectorClientDays = sqliteTable('collector_client_days', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  kind: text('kind', { enum: ['answer', 'cell', 'comment'] }).notNull(),
  combo: text('combo').notNull(),
  day: text('day').notNull(),
  clients: integer('clients').notNull()
}, t => [
  primaryKey({ columns: [t.surveyId, t.kind, t.day, t.combo] })
])
