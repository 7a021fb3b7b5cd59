import type { DbOrTx } from '../db/client.js'
import { InvalidFieldError } from '../errors.js'
import { newId } from '../ids.js'
import * as repo from './repository.js'
import type { AuditEvent, AuditListQuery } from './schemas.js'
import type { AuditEventRow } from './tables.js'

// The audit trail (docs/access.md): what was read or changed, by whom, in which hour.

export const AUDIT_ACTIONS = [
  'results.read', 'report.read', 'csv.read', 'share_link.create', 'share_link.revoke',
  'key.create', 'key.revoke', 'sign_in'
] as const
export type AuditAction = typeof AUDIT_ACTIONS[number]

export interface AuditEntry {
  actor: string
  actorKind: AuditEventRow['actorKind']
  action: AuditAction
  surveyId?: string | null | undefined
  team?: string | null | undefined
  target?: string | null | undefined
}

const DAY_MS = 86_400_000

/** The UTC hour of a time, `YYYY-MM-DDTHH`: the finest the trail keeps. */
export const hourOf = (at: Date): string => at.toISOString().slice(0, 13)

export async function recordAudit (db: DbOrTx, entry: AuditEntry, now: Date): Promise<void> {
  await repo.insertAuditEvent(db, {
    hour: hourOf(now),
    id: newId('aud'),
    actor: entry.actor,
    actorKind: entry.actorKind,
    action: entry.action,
    surveyId: entry.surveyId ?? null,
    team: entry.team ?? null,
    target: entry.target ?? null
  })
}

function toEvent (row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    at: `${row.hour}:00Z`,
    actor: row.actor,
    actor_kind: row.actorKind,
    action: row.action as AuditAction,
    survey_id: row.surveyId,
    team: row.team,
    target: row.target
  }
}

const encodeCursor = (row: AuditEventRow): string =>
  Buffer.from(JSON.stringify([row.hour, row.id])).toString('base64url')

function decodeCursor (cursor: string): { hour: string, id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { hour: value[0], id: value[1] }
    }
  } catch {}
  throw new InvalidFieldError('query.cursor', 'is not a cursor returned by this API')
}

/** A page of the trail, newest hour first. */
export async function listAudit (
  db: DbOrTx, query: AuditListQuery
): Promise<{ items: AuditEvent[], next_cursor: string | null }> {
  const rows = await repo.listAuditEvents(db, {
    actor: query.actor,
    action: query.action,
    surveyId: query.survey_id,
    team: query.team,
    fromHour: query.from === undefined ? undefined : `${query.from}T00`,
    toHour: query.to === undefined ? undefined : `${query.to}T23`,
    after: query.cursor === undefined ? undefined : decodeCursor(query.cursor)
  }, query.limit + 1)
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  const more = rows.length > query.limit && last !== undefined
  return { items: page.map(toEvent), next_cursor: more ? encodeCursor(last) : null }
}

/** Deletes what is older than `days` (AUDIT_RETAIN_DAYS); answers how many events went. */
export async function purgeAudit (db: DbOrTx, now: Date, days: number): Promise<{ audit_events: number }> {
  return { audit_events: await repo.deleteAuditEventsBefore(db, hourOf(new Date(now.getTime() - days * DAY_MS))) }
}
