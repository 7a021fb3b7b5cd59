import type { DbOrTx } from '../../db/client.js'
import { GoneError, NotFoundError } from '../../errors.js'
import { hashToken, newId, newSecret } from '../../ids.js'
import { getSurveyRow } from '../../surveys/service.js'
import * as repo from '../storage/repository.js'
import type { CreateShareLink, ShareLink } from '../schemas.js'
import type { ShareLinkOptions, ShareLinkRow } from '../storage/tables.js'

// Read-only links to a survey's report: /r/<token>. Like API keys, only a hash of the token is
// kept, so the database alone cannot open a report link.

const DAY_MS = 86_400_000

function status (row: ShareLinkRow, now: Date): ShareLink['status'] {
  if (row.revokedAt !== null) return 'revoked'
  return row.expiresAt <= now ? 'expired' : 'active'
}

function toShareLink (row: ShareLinkRow, now: Date, url: string | null): ShareLink {
  return {
    id: row.id,
    survey_id: row.surveyId,
    url,
    options: Object.fromEntries(Object.entries(row.options).filter(([, v]) => v !== undefined)),
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
    revoked_at: row.revokedAt?.toISOString() ?? null,
    status: status(row, now)
  }
}

export async function createShareLink (
  db: DbOrTx,
  surveyId: string,
  input: CreateShareLink,
  now: Date,
  publicUrl: string
): Promise<ShareLink> {
  await getSurveyRow(db, surveyId)
  const token = newSecret(32)
  const options: ShareLinkOptions = {
    from: input.from,
    to: input.to,
    interval: input.interval,
    group_by: input.group_by,
    locale: input.locale
  }
  const row = await repo.insertShareLink(db, {
    id: newId('shl'),
    surveyId,
    tokenHash: hashToken(token),
    options: JSON.parse(JSON.stringify(options)) as ShareLinkOptions,
    createdAt: now,
    expiresAt: new Date(now.getTime() + input.expires_in_days * DAY_MS),
    revokedAt: null
  })
  return toShareLink(row, now, `${publicUrl}/r/${token}`)
}

export async function listShareLinks (db: DbOrTx, surveyId: string, now: Date): Promise<{ items: ShareLink[] }> {
  await getSurveyRow(db, surveyId)
  return { items: (await repo.listShareLinks(db, surveyId)).map(row => toShareLink(row, now, null)) }
}

/** Revoking is final and idempotent: a revoked link stays revoked, with its first revocation time. */
export async function revokeShareLink (db: DbOrTx, id: string, now: Date): Promise<ShareLink> {
  const row = await repo.findShareLink(db, id)
  if (row === undefined) throw new NotFoundError('share link', id)
  if (row.revokedAt !== null) return toShareLink(row, now, null)
  return toShareLink((await repo.revokeShareLink(db, id, now))!, now, null)
}

/** The link behind a token, if it may still be opened: unknown 404, expired or revoked 410. */
export async function openShareLink (db: DbOrTx, token: string, now: Date): Promise<ShareLinkRow> {
  const row = await repo.findShareLinkByTokenHash(db, hashToken(token))
  if (row === undefined) throw new NotFoundError('report link')
  if (row.revokedAt !== null) throw new GoneError('link_revoked', 'this report link was revoked')
  if (row.expiresAt <= now) {
    throw new GoneError('link_expired', `this report link expired on ${row.expiresAt.toISOString()}`)
  }
  return row
}
