import type { HookSystem } from './verify.js'

// Each ticketing system's own webhook payload, read as its documentation describes it
// (docs/integrations.md; fixtures in test/fixtures/hooks/). What comes out is a case event
// in Puls's own words; it is validated like POST /v1/events/case-closed afterwards.

/** What a ticketing system's webhook asks of Puls. */
export type HookCase =
  | { action: 'close', event: Record<string, unknown> }
  | { action: 'reopen', caseRef: string, team: string | undefined }
  | { action: 'ignore', state: string }

type Json = Record<string, unknown>

function obj (value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Json : undefined
}

/** A non-empty string at `path` (numbers are read as their digits, e.g. ticket numbers and ids). */
function str (value: unknown, ...path: Array<string | number>): string | undefined {
  let v: unknown = value
  for (const key of path) v = typeof key === 'number' ? (Array.isArray(v) ? v[key] : undefined) : obj(v)?.[key]
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
}

const isAddress = (s: string | undefined): s is string => s !== undefined && /^[^\s@]+@[^\s@]+$/.test(s)

/** The case event for a close, leaving out what the payload does not carry. */
function closing (fields: Record<string, string | undefined>): HookCase {
  return { action: 'close', event: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) }
}

function caseOf (
  state: string | undefined, closed: boolean, reopened: boolean, close: () => HookCase, reopen: () => HookCase
): HookCase {
  if (closed) return close()
  if (reopened) return reopen()
  return { action: 'ignore', state: state ?? 'unknown' }
}

/**
 * Zammad (a trigger's webhook, default payload): `ticket.state` by name; `closed` closes,
 * `open` reopens (a ticket that had no invitation is not changed by that).
 */
function zammad (payload: Json): HookCase {
  const ticket = obj(payload.ticket)
  const state = str(ticket, 'state') ?? str(ticket, 'state', 'name')
  const number = str(ticket, 'number')
  const team = str(ticket, 'group', 'name') ?? str(ticket, 'group')
  const owner = str(ticket, 'owner', 'login')
  return caseOf(state, state === 'closed', state === 'open',
    () => closing({
      case_ref: number,
      email: str(ticket, 'customer', 'email'),
      team,
      // Zammad's "nobody" (user 1, login "-") owns unassigned tickets.
      agent: owner === '-' ? undefined : owner,
      category: str(ticket, 'category'),
      locale: str(ticket, 'customer', 'preferences', 'locale')
    }),
    () => ({ action: 'reopen', caseRef: number ?? '', team }))
}

// GLPI ticket statuses: 1 new, 2 processing (assigned), 3 processing (planned), 4 pending, 5 solved, 6 closed.
const GLPI_DONE = new Set(['5', '6'])
const GLPI_WORKING = new Set(['2', '3'])

/**
 * GLPI (a webhook on Ticket, default payload `{ event, item }` in the API's Ticket schema):
 * solved or closed closes; back to processing reopens. The requester is the team member with
 * role `requester`; its name is its login, which must be an address (or the payload carries
 * `requester_email`).
 */
function glpi (payload: Json): HookCase {
  const item = obj(payload.item)
  const status = str(item, 'status', 'id') ?? str(item, 'status')
  const team = Array.isArray(item?.team) ? item.team.map(obj).filter(m => m !== undefined) : []
  const member = (type: string, role: string): string | undefined =>
    str(team.find(m => str(m, 'type') === type && str(m, 'role') === role), 'name')
  const requester = member('User', 'requester')
  const group = member('Group', 'assigned')
  return caseOf(status, status !== undefined && GLPI_DONE.has(status), status !== undefined && GLPI_WORKING.has(status),
    () => closing({
      case_ref: str(item, 'id'),
      email: str(payload, 'requester_email') ?? (isAddress(requester) ? requester : undefined),
      team: group,
      agent: member('User', 'assigned'),
      category: str(item, 'category', 'name'),
      locale: str(payload, 'locale')
    }),
    () => ({ action: 'reopen', caseRef: str(item, 'id') ?? '', team: group }))
}

/**
 * Znuny / OTRS (a web service's REST requester with the Ticket::Generic invoker on
 * TicketStateUpdate): `Ticket.StateType` closed closes, open reopens; the queue is the team.
 */
function znuny (payload: Json): HookCase {
  const ticket = obj(payload.Ticket)
  const type = str(ticket, 'StateType')
  const customer = obj(payload.CustomerUser) ?? obj(ticket?.CustomerUser)
  const login = str(ticket, 'CustomerUserID')
  const number = str(ticket, 'TicketNumber')
  const queue = str(ticket, 'Queue')
  return caseOf(str(ticket, 'State') ?? type, type === 'closed', type === 'open',
    () => closing({
      case_ref: number,
      email: str(customer, 'UserEmail') ?? (isAddress(login) ? login : undefined),
      team: queue,
      agent: str(ticket, 'Owner'),
      category: str(ticket, 'Service') ?? str(ticket, 'Type'),
      locale: str(customer, 'UserLanguage')
    }),
    () => ({ action: 'reopen', caseRef: number ?? '', team: queue }))
}

/** The first `{ languageCode }` among an issue's fields: the request language of Jira Service Management. */
function jiraLanguage (fields: Json | undefined): string | undefined {
  for (const value of Object.values(fields ?? {})) {
    const code = str(value, 'languageCode')
    if (code !== undefined) return code
  }
  return undefined
}

/**
 * Jira Service Management (an automation rule's "Send web request" with the issue data in
 * automation format): status category `done` closes, `indeterminate` (in progress, reopened)
 * reopens; the project key is the team.
 */
function jira (payload: Json): HookCase {
  const fields = obj(payload.fields)
  const category = str(fields, 'status', 'statusCategory', 'key')
  const key = str(payload, 'key')
  const team = str(fields, 'project', 'key')
  return caseOf(str(fields, 'status', 'name') ?? category, category === 'done', category === 'indeterminate',
    () => closing({
      case_ref: key,
      email: str(fields, 'reporter', 'emailAddress'),
      team,
      agent: str(fields, 'assignee', 'displayName'),
      category: str(fields, 'issuetype', 'name'),
      locale: jiraLanguage(fields)
    }),
    () => ({ action: 'reopen', caseRef: key ?? '', team }))
}

export const READ: Record<HookSystem, (payload: Json) => HookCase> = { zammad, glpi, znuny, jira }
