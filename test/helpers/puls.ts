import { sql } from 'drizzle-orm'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { all as dbAll } from '../../src/db/dialect.js'
import { api, type build } from './build.js'

// Shortcuts for the invitation and respondent tests: every call still goes over HTTP.
export type App = Awaited<ReturnType<typeof build>>

export async function createSurvey (app: App, payload: object = {}): Promise<{ id: string; [k: string]: unknown }> {
  const res = await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: { name: 'IT desk after a case', kind: 'post_case', team: 'it', ...payload }
  })
  if (res.statusCode !== 201) throw new Error(`survey not created: ${res.body}`)
  return res.json()
}

export function invite (
  app: App,
  surveyId: string,
  payload: object,
  headers: Record<string, string> = {}
): Promise<LightMyRequestResponse> {
  return api(app, { method: 'POST', url: `/v1/surveys/${surveyId}/invitations`, payload, headers })
}

/** A `link` invitation's token, from the URL its create call answered. */
export async function linkToken (app: App, surveyId: string, payload: object = {}): Promise<string> {
  const res = await invite(app, surveyId, { channel: 'link', ...payload })
  const url: unknown = res.json().url
  if (typeof url !== 'string') throw new Error(`no url: ${res.body}`)
  return url.slice(url.lastIndexOf('/s/') + 3)
}

/** A form post, as a browser sends it. */
export function submitForm (
  app: App,
  token: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {}
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `/s/${token}`,
    payload: new URLSearchParams(fields).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
      ...headers
    }
  })
}

export function submitJson (
  app: App,
  token: string,
  body: unknown,
  opts: Partial<InjectOptions> = {}
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/s/${token}`, payload: body as object, ...opts })
}

/** Rows straight from the service's database (SQLite or PostgreSQL). */
export async function rows<T = Record<string, unknown>> (app: App, query: string): Promise<T[]> {
  return await dbAll<T>(app.store.db, sql.raw(query))
}

export async function count (app: App, table: string): Promise<number> {
  return Number((await rows<{ n: number }>(app, `SELECT count(*) AS n FROM ${table}`))[0]!.n)
}
