import { createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { requestCookie } from '../plugins/cookies.js'

// A signed-in person's session: a cookie signed with the server secret (@fastify/cookie), HttpOnly,
// SameSite=Lax, holding who they are, what they may see and until when (docs/access.md).

export const SESSION_COOKIE = 'puls_session'
export const FLOW_COOKIE = 'puls_oidc'

export interface Session {
  sub: string
  teams: string[]
  admin: boolean
  /** Expiry, ms since the epoch. */
  exp: number
}

/** The state of a sign-in in progress, for the callback: one use, ten minutes. */
export interface Flow { state: string, verifier: string, exp: number }

const cookieOptions = (secure: boolean, maxAgeMs: number) =>
  ({
    signed: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    path: '/console',
    maxAge: Math.ceil(maxAgeMs / 1000)
  })

function read<T extends { exp: number }> (request: FastifyRequest, name: string, now: Date): T | undefined {
  const raw = requestCookie(request, name)
  if (raw === undefined) return undefined
  const { valid, value } = request.unsignCookie(raw)
  if (!valid || value === null) return undefined
  try {
    const parsed = JSON.parse(value) as T
    return typeof parsed.exp === 'number' && parsed.exp > now.getTime() ? parsed : undefined
  } catch {
    return undefined
  }
}

export const readSession = (request: FastifyRequest, now: Date): Session | undefined =>
  read<Session>(request, SESSION_COOKIE, now)
export const readFlow = (request: FastifyRequest, now: Date): Flow | undefined => read<Flow>(request, FLOW_COOKIE, now)

export function writeCookie (
  reply: FastifyReply, name: string, value: Session | Flow, now: Date, secure: boolean
): void {
  reply.setCookie(name, JSON.stringify(value), cookieOptions(secure, value.exp - now.getTime()))
}

export function clearCookie (reply: FastifyReply, name: string): void {
  reply.clearCookie(name, { path: '/console' })
}

/** The form token of a session: forms carry it, so a page elsewhere cannot post on the person's behalf. */
export function csrfToken (secret: Buffer, session: Session): string {
  return createHmac('sha256', secret).update(`csrf\n${session.sub}\n${session.exp}`).digest('base64url')
}

export function validCsrf (secret: Buffer, session: Session, token: unknown): boolean {
  if (typeof token !== 'string') return false
  const expected = Buffer.from(csrfToken(secret, session))
  const given = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
