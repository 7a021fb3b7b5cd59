import type { Tx } from '../db/client.js'
import { AppError } from '../errors.js'
import type { Invitation, InvitationResult } from '../invitations/schemas.js'
import { cancelCase, invite, type InviteContext } from '../invitations/service.js'
import { findActiveSurveyOfTeam, surveyIdsOfTeam } from '../surveys/repository.js'
import type { CaseClosed } from './schemas.js'

/**
 * A case was closed (docs/api.md, case events): invites its requester by e-mail to the team's active
 * post_case survey. Same rules and outcomes as an invitation; the same case_ref answers the first.
 */
export async function closeCase (tx: Tx, ctx: InviteContext, event: CaseClosed): Promise<InvitationResult> {
  const { case_ref: caseRef, email, team, agent, category, locale, attributes } = event
  const survey = await findActiveSurveyOfTeam(tx, team, 'post_case')
  if (survey === undefined) {
    throw new AppError(404, 'no_active_survey', 'Not Found',
      `team ${team} has no active post_case survey; create one with POST /v1/surveys`)
  }
  return await invite(tx, ctx, survey, {
    channel: 'email',
    email,
    locale,
    case_ref: caseRef,
    attributes: {
      ...attributes,
      team,
      ...(agent === undefined ? {} : { agent }),
      ...(category === undefined ? {} : { category })
    }
  })
}

/** A case was reopened: its unanswered invitations (of the team's post_case surveys, if given) are cancelled. */
export async function reopenCase (tx: Tx, caseRef: string, team: string | undefined): Promise<Invitation[]> {
  return await cancelCase(tx, caseRef, team === undefined ? undefined : await surveyIdsOfTeam(tx, team, 'post_case'))
}
