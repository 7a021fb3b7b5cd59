import type { FastifyRequest } from 'fastify'
import { findCollector } from '../collectors/repository.js'
import type { DbOrTx } from '../db/client.js'
import type { AuditAction as AllAuditActions } from '../audit/service.js'
import { AppError, NotFoundError } from '../errors.js'
import { findShareLink } from '../results/storage/repository.js'
import { findSurvey } from '../surveys/repository.js'

// Who may call which route (docs/access.md). Every route declares its rule once, as
// `config: { access }`; src/plugins/auth.ts checks it on every request and refuses to start with
// a /v1 route that has none.

export const ROLES = ['admin', 'integration', 'reader'] as const
export type Role = (typeof ROLES)[number]

/** Who a request is made by: an API key, or a signed-in person. */
export interface Principal {
  kind: 'key' | 'person'
  /** `key_…`, 'bootstrap' for PULS_API_KEY; a person's subject. */
  id: string
  role: Role
  /** The teams whose surveys it may see; null: every team. */
  teams: readonly string[] | null
}

/** What a route is about, found before its handler runs: for team scoping and the audit trail. */
export interface Subject {
  team: string
  surveyId: string | null
}

/**
 * How a route finds its subject. `hide`: a key without the subject's team is answered as if the
 * subject did not exist (404), so it cannot learn that another team's survey exists; otherwise the
 * team was named by the caller and the answer is 403.
 */
export interface Scope {
  find: (db: DbOrTx, request: FastifyRequest) => Promise<Subject | undefined>
  hide?: (request: FastifyRequest) => AppError
}

/** What a route records in the audit trail when it succeeds (docs/access.md, "Audit trail"). */
export type AuditAction = Extract<
  AllAuditActions,
  'results.read' | 'report.read' | 'csv.read' | 'share_link.create' | 'share_link.revoke'
>

export interface KeyRule {
  roles: readonly Role[]
  /** Set where a key that names teams may only reach its teams' surveys; 'filtered': the handler filters. */
  scope?: Scope | 'filtered'
  audit?: AuditAction
}

/**
 * `public`: anyone (respondent pages, shared reports, probes); `own`: checked by the route itself
 * (the metrics token, signed hooks), never with an API key.
 */
export type Access = 'public' | 'own' | KeyRule

const idParam = (request: FastifyRequest): string => (request.params as { id: string }).id

export const scopes = {
  /** `/surveys/:id…` */
  survey: {
    find: async (db, request) => {
      const survey = await findSurvey(db, idParam(request))
      return survey === undefined ? undefined : { team: survey.team, surveyId: survey.id }
    },
    hide: request => new NotFoundError('survey', idParam(request))
  },
  /** `/collectors/:id…` */
  collector: {
    find: async (db, request) => {
      const collector = await findCollector(db, idParam(request))
      const survey = collector === undefined ? undefined : await findSurvey(db, collector.surveyId)
      return survey === undefined ? undefined : { team: survey.team, surveyId: survey.id }
    },
    hide: request => new NotFoundError('collector', idParam(request))
  },
  /** `/share-links/:id` */
  shareLink: {
    find: async (db, request) => {
      const link = await findShareLink(db, idParam(request))
      const survey = link === undefined ? undefined : await findSurvey(db, link.surveyId)
      return survey === undefined ? undefined : { team: survey.team, surveyId: survey.id }
    },
    hide: request => new NotFoundError('share link', idParam(request))
  },
  /** `?team=`: the caller names the team, so refusing it tells nothing new. */
  teamQuery: {
    find: async (_db, request) => ({ team: (request.query as { team: string }).team, surveyId: null })
  }
} satisfies Record<string, Scope>

/** Rules used by many routes. */
export const rules = {
  admin: { roles: ['admin'] },
  /** Reading survey definitions and collectors: what an integration needs to send. */
  integration: { roles: ['admin', 'integration'] }
} satisfies Record<string, KeyRule>

export class ForbiddenError extends AppError {
  constructor (detail: string) {
    super(403, 'forbidden', 'Forbidden', detail)
  }
}

/** Throws a 403 naming the missing role, when the principal's role is not one of the rule's. */
export function checkRole (principal: Principal, rule: KeyRule, what: string): void {
  if (rule.roles.includes(principal.role)) return
  const needed = rule.roles.join(' or ')
  throw new ForbiddenError(`this API key has the role ${principal.role}; ${what} needs the role ${needed}`)
}

/** Whether the principal may see the given team's surveys. */
export function seesTeam (principal: Principal, team: string): boolean {
  return principal.teams === null || principal.teams.includes(team)
}

/** Throws the scope's 404 (or a 403 naming the team) when the subject is outside the principal's teams. */
export function checkTeam (
  principal: Principal,
  scope: Scope,
  subject: Subject | undefined,
  request: FastifyRequest
): void {
  if (principal.teams === null) return
  if (subject !== undefined && seesTeam(principal, subject.team)) return
  if (scope.hide !== undefined) throw scope.hide(request)
  const teams = principal.teams.join(', ')
  throw new ForbiddenError(
    `this API key may read the teams ${teams}; it does not name team ${subject?.team ?? '(none)'}`
  )
}

/** Results of a survey or team: admins, and readers of its team. */
export function reader (scope: Scope, audit?: AuditAction): KeyRule {
  return { roles: ['admin', 'reader'], scope, ...(audit === undefined ? {} : { audit }) }
}
