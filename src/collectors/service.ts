import type { DbOrTx } from '../db/client.js'
import { ConflictError, GoneError, InvalidFieldError, NotFoundError } from '../errors.js'
import { newId, newSecret, hashToken } from '../ids.js'
import { decodeCursor, encodeCursor } from '../schemas.js'
import { getSurveyRow } from '../surveys/service.js'
import type { SurveyRow } from '../surveys/tables.js'
import * as repo from './repository.js'
import type { Collector, CollectorListQuery, CreateCollector, UpdateCollector } from './schemas.js'
import type { CollectorRow } from './tables.js'

/**
 * 128 random bits. The token is printed on a wall, so it guards nothing personal; it only has to
 * be unguessable enough that nobody answers through collectors they were not shown. Shorter than
 * a mailed token, so the QR code stays coarse and scans from further away.
 */
function newCollectorToken (): string {
  return newSecret(16)
}

export function collectorUrl (publicUrl: string, token: string): string {
  return `${publicUrl}/s/${token}`
}

export function toCollector (row: CollectorRow, publicUrl: string): Collector {
  return {
    id: row.id,
    survey_id: row.surveyId,
    label: row.label,
    locale: row.locale,
    attributes: row.attributes,
    status: row.status,
    url: collectorUrl(publicUrl, row.token),
    max_answers_per_hour: row.maxAnswersPerHour,
    cooldown_seconds: row.cooldownSeconds,
    release: row.release,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    closed_at: row.closedAt?.toISOString() ?? null
  }
}

export async function createCollector (
  db: DbOrTx,
  surveyId: string,
  input: CreateCollector,
  now: Date,
  publicUrl: string
): Promise<Collector> {
  const survey = await getSurveyRow(db, surveyId)
  if (survey.status === 'closed') {
    throw new ConflictError('survey_closed', `survey ${surveyId} is closed; a closed survey takes no new collectors`)
  }
  const token = newCollectorToken()
  const row = await repo.insertCollector(db, {
    id: newId('col'),
    surveyId,
    token,
    // Hashed like an invitation token, so `/s/<token>` hashes once and asks both tables.
    tokenHash: hashToken(token),
    label: input.label,
    locale: input.locale ?? survey.defaultLocale,
    attributes: input.attributes,
    status: 'active',
    maxAnswersPerHour: input.max_answers_per_hour,
    cooldownSeconds: input.cooldown_seconds,
    release: input.release,
    createdAt: now,
    updatedAt: now,
    closedAt: null
  })
  return toCollector(row, publicUrl)
}

export async function getCollectorRow (db: DbOrTx, id: string): Promise<CollectorRow> {
  const row = await repo.findCollector(db, id)
  if (row === undefined) throw new NotFoundError('collector', id)
  return row
}

export async function listCollectors (
  db: DbOrTx,
  surveyId: string,
  query: CollectorListQuery,
  publicUrl: string
): Promise<{ items: Collector[]; next_cursor: string | null }> {
  await getSurveyRow(db, surveyId)
  let after
  if (query.cursor !== undefined) {
    after = decodeCursor(query.cursor)
    if (after === undefined) throw new InvalidFieldError('query.cursor', 'is not a cursor returned by this API')
  }
  // One row more than asked tells whether another page exists without a count query.
  const rows = await repo.listCollectors(db, { surveyId, status: query.status, after }, query.limit + 1)
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  return {
    items: page.map(r => toCollector(r, publicUrl)),
    next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.createdAt, last.id) : null
  }
}

export async function updateCollector (
  db: DbOrTx,
  id: string,
  input: UpdateCollector,
  now: Date,
  publicUrl: string
): Promise<Collector> {
  const current = await getCollectorRow(db, id)
  if (current.status === 'closed') {
    throw new ConflictError(
      'collector_closed',
      `collector ${id} is closed; a closed collector cannot be changed or reopened`
    )
  }
  const onlyClosing = Object.keys(input).every(k => k === 'status')
  if (!onlyClosing && (await getSurveyRow(db, current.surveyId)).status === 'closed') {
    throw new ConflictError('survey_closed', `survey ${current.surveyId} is closed; its collectors can only be closed`)
  }
  const row = (await repo.updateCollector(db, id, {
    label: input.label ?? current.label,
    locale: input.locale ?? current.locale,
    maxAnswersPerHour: input.max_answers_per_hour ?? current.maxAnswersPerHour,
    cooldownSeconds: input.cooldown_seconds ?? current.cooldownSeconds,
    release: input.release ?? current.release,
    status: input.status ?? current.status,
    updatedAt: now,
    closedAt: input.status === 'closed' ? now : null
  }))!
  return toCollector(row, publicUrl)
}

/** A collector whose URL still takes answers, with its survey: for the QR code and the poster. */
export async function getOpenCollector (
  db: DbOrTx, id: string
): Promise<{ collector: CollectorRow; survey: SurveyRow }> {
  const collector = await getCollectorRow(db, id)
  if (collector.status === 'closed') {
    throw new GoneError('collector_closed', `collector ${id} is closed; its URL takes no answers`)
  }
  const survey = await getSurveyRow(db, collector.surveyId)
  if (survey.status === 'closed') {
    throw new GoneError('survey_closed', `survey ${survey.id} is closed; its collectors take no answers`)
  }
  return { collector, survey }
}
