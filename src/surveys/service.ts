import type { DbOrTx } from '../db/client.js'
import { ConflictError, InvalidFieldError, NotFoundError } from '../errors.js'
import { newId } from '../ids.js'
import { decodeCursor, encodeCursor } from '../schemas.js'
import {
  DEFAULT_COMMENT_PROMPT,
  DEFAULT_MIN_COMMENT_GROUP_SIZE,
  DEFAULT_MIN_GROUP_SIZE,
  DEFAULT_QUESTIONS,
  KIND_DEFAULTS,
  SCALES,
  withDefaults
} from './defaults.js'
import { defaultItems } from './default-items.js'
import { checkAnsweredItems, checkItems, toItem } from './item-checks.js'
import { toStoredItem } from './items.js'
import * as repo from './repository.js'
import { retention, type CreateSurvey, type Survey, type SurveyListQuery, type UpdateSurvey } from './schemas.js'
import type { SurveyRow } from './tables.js'

export function toSurvey (row: SurveyRow): Survey {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    metric: row.metric,
    team: row.team,
    status: row.status,
    scale: SCALES[row.metric],
    question: withDefaults(row.question, DEFAULT_QUESTIONS[row.metric]),
    comment_prompt: withDefaults(row.commentPrompt, DEFAULT_COMMENT_PROMPT),
    items: row.items.map(item => toItem(item, row.defaultLocale)),
    default_locale: row.defaultLocale,
    link_ttl_days: row.linkTtlDays,
    throttle_days: row.throttleDays,
    reminder_after_days: row.reminderAfterDays,
    min_group_size: row.minGroupSize,
    min_comment_group_size: row.minCommentGroupSize,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    closed_at: row.closedAt?.toISOString() ?? null,
    retain_days: row.retainDays,
    comment_retain_days: row.commentRetainDays
  }
}

// Rules that span fields, checked on the merged result so that create and update agree.
function checkCoherent (
  s: Pick<
    SurveyRow,
    'linkTtlDays' | 'reminderAfterDays' | 'minGroupSize' | 'minCommentGroupSize' | 'retainDays' | 'commentRetainDays'
  >
): void {
  if (s.reminderAfterDays !== null && s.reminderAfterDays >= s.linkTtlDays) {
    throw new InvalidFieldError(
      'body.reminder_after_days',
      `must be less than link_ttl_days (${s.linkTtlDays}): a reminder after the link expired cannot be answered`
    )
  }
  if (s.minCommentGroupSize < s.minGroupSize) {
    throw new InvalidFieldError('body.min_comment_group_size', `must be at least min_group_size (${s.minGroupSize})`)
  }
  if (s.commentRetainDays !== null && s.retainDays !== null && s.commentRetainDays > s.retainDays) {
    throw new InvalidFieldError(
      'body.comment_retain_days',
      `must be at most retain_days (${s.retainDays}): a comment goes with its answer`
    )
  }
}

export async function createSurvey (db: DbOrTx, input: CreateSurvey, now: Date): Promise<Survey> {
  const defaults = KIND_DEFAULTS[input.kind]
  const minGroupSize = input.min_group_size ?? DEFAULT_MIN_GROUP_SIZE
  const metric = input.metric ?? defaults.metric
  const row = {
    id: newId('srv'),
    name: input.name,
    kind: input.kind,
    metric,
    team: input.team,
    status: 'active' as const,
    question: input.question ?? {},
    commentPrompt: input.comment_prompt ?? {},
    // A survey that names no items asks its kind's default ones; `items: []` asks none.
    items: input.items === undefined ? defaultItems(input.kind, metric) : input.items.map(toStoredItem),
    defaultLocale: input.default_locale,
    linkTtlDays: input.link_ttl_days ?? defaults.linkTtlDays,
    throttleDays: input.throttle_days ?? defaults.throttleDays,
    reminderAfterDays: input.reminder_after_days === undefined ? defaults.reminderAfterDays : input.reminder_after_days,
    minGroupSize,
    minCommentGroupSize: input.min_comment_group_size ?? Math.max(DEFAULT_MIN_COMMENT_GROUP_SIZE, minGroupSize),
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    retainDays: input.retain_days ?? null,
    commentRetainDays: input.comment_retain_days ?? null
  }
  // A reminder default that no longer fits a short custom link lifetime is dropped, not an error.
  if (
    input.reminder_after_days === undefined &&
    row.reminderAfterDays !== null &&
    row.reminderAfterDays >= row.linkTtlDays
  ) {
    row.reminderAfterDays = null
  }
  checkCoherent(row)
  checkItems(row.items, row.metric)
  return toSurvey(await repo.insertSurvey(db, row))
}

export async function getSurveyRow (db: DbOrTx, id: string): Promise<SurveyRow> {
  const row = await repo.findSurvey(db, id)
  if (row === undefined) throw new NotFoundError('survey', id)
  return row
}

/** A page of surveys, newest first; `teams` (a reader key's) keeps to those teams' surveys. */
export async function listSurveys (
  db: DbOrTx,
  query: SurveyListQuery,
  teams: readonly string[] | null = null
): Promise<{ items: Survey[]; next_cursor: string | null }> {
  let after
  if (query.cursor !== undefined) {
    after = decodeCursor(query.cursor)
    if (after === undefined) throw new InvalidFieldError('query.cursor', 'is not a cursor returned by this API')
  }
  // One row more than asked tells whether another page exists without a count query.
  const rows = await repo.listSurveys(
    db,
    { kind: query.kind, team: query.team, status: query.status, teams: teams ?? undefined, after },
    query.limit + 1
  )
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  return {
    items: page.map(toSurvey),
    next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.createdAt, last.id) : null
  }
}

/**
 * What the rest of the service does in the transaction that closes a survey: its invitations end
 * and every address and attribute of theirs is erased (docs/anonymity.md). Given by the app
 * (src/app.ts), since invitations build on surveys and not the other way round.
 */
export type SurveyClosed = (tx: DbOrTx, surveyId: string) => Promise<void>

export async function updateSurvey (
  db: DbOrTx, id: string, input: UpdateSurvey, now: Date, closed: SurveyClosed
): Promise<Survey> {
  const current = await getSurveyRow(db, id)
  // How long its answers are kept may still change after a survey closes; nothing else may.
  if (current.status === 'closed' && Object.keys(input).some(key => !(key in retention))) {
    throw new ConflictError(
      'survey_closed',
      `survey ${id} is closed; a closed survey cannot be changed or reopened, ` +
        'except for retain_days and comment_retain_days'
    )
  }
  const next = {
    name: input.name ?? current.name,
    team: input.team ?? current.team,
    status: input.status ?? current.status,
    question: input.question === undefined ? current.question : { ...current.question, ...input.question },
    commentPrompt:
      input.comment_prompt === undefined
        ? current.commentPrompt
        : { ...current.commentPrompt, ...input.comment_prompt },
    items: input.items === undefined ? current.items : input.items.map(toStoredItem),
    defaultLocale: input.default_locale ?? current.defaultLocale,
    linkTtlDays: input.link_ttl_days ?? current.linkTtlDays,
    throttleDays: input.throttle_days ?? current.throttleDays,
    reminderAfterDays: input.reminder_after_days === undefined ? current.reminderAfterDays : input.reminder_after_days,
    minGroupSize: input.min_group_size ?? current.minGroupSize,
    minCommentGroupSize: input.min_comment_group_size ?? current.minCommentGroupSize,
    updatedAt: now,
    closedAt: current.closedAt ?? (input.status === 'closed' ? now : null),
    retainDays: input.retain_days === undefined ? current.retainDays : input.retain_days,
    commentRetainDays: input.comment_retain_days === undefined ? current.commentRetainDays : input.comment_retain_days
  }
  checkCoherent(next)
  if (input.items !== undefined) {
    checkItems(next.items, current.metric)
    checkAnsweredItems(current.items, next.items, await repo.answeredItemKeys(db, id))
  }
  const updated = (await repo.updateSurvey(db, id, next))!
  // Addresses go when the survey closes (docs/anonymity.md). Callers run this in one transaction,
  // so a survey is never closed with addresses left behind.
  if (updated.status === 'closed' && current.status !== 'closed') await closed(db, id)
  return toSurvey(updated)
}
