import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { DbOrTx } from '../db/client.js'
import { TooManyRequestsError } from '../errors.js'
import { requestCookie } from '../plugins/cookies.js'
import * as repo from './repository.js'
import type { CollectorRow } from './tables.js'

// Abuse limits for collectors that store nothing about who answered (README "Abuse limits").

const HOUR_MS = 3_600_000

/** Hours since the Unix epoch: the bucket of the hourly cap. */
export function hourOf (at: Date): number {
  return Math.floor(at.getTime() / HOUR_MS)
}

/** Seconds from `at` to the start of the next clock hour, at least 1. */
export function secondsToNextHour (at: Date): number {
  return Math.max(1, Math.ceil(((hourOf(at) + 1) * HOUR_MS - at.getTime()) / 1000))
}

/**
 * Inside the IMMEDIATE transaction that stores an answer: counts it against the collector's cap
 * for this clock hour, or throws 429 (rolling the count back with the answer). Counts of earlier
 * hours are deleted first, for every collector, so only the current hour is ever on disk.
 */
export async function claimHourlySlot (tx: DbOrTx, collector: CollectorRow, now: Date): Promise<void> {
  const hour = hourOf(now)
  await repo.pruneHourCounts(tx, hour)
  if (await repo.incrementHourCount(tx, collector.id, hour) > collector.maxAnswersPerHour) {
    throw new TooManyRequestsError(
      'collector_busy',
      `this collector takes at most ${collector.maxAnswersPerHour} answers an hour`,
      secondsToNextHour(now)
    )
  }
}

/**
 * Answers through collectors one client address may send per minute. Generous on purpose: a whole
 * office behind one NAT address is one client, so this stops scripts, not colleagues.
 */
export const CLIENT_ANSWERS_PER_MINUTE = 30

/**
 * The per-client limit: @fastify/rate-limit's in-memory store (its own, apart from the route's
 * general limit), keyed like every limit by an HMAC of the address under a per-process key, so
 * no address is held and everything is forgotten after the minute or on restart. Per instance,
 * like the route limits (docs/operating.md, "Several instances"); the hourly cap above is shared.
 */
export function clientAnswerLimiter (fastify: FastifyInstance): (request: FastifyRequest) => Promise<void> {
  const check = fastify.createRateLimit({ max: CLIENT_ANSWERS_PER_MINUTE, timeWindow: 60_000 })
  return async request => {
    const result = await check(request)
    // `isAllowed` is true only for allow-listed clients; the others are counted and may exceed.
    if (!result.isAllowed && result.isExceeded) {
      throw new TooManyRequestsError(
        'rate_limited',
        `too many answers from this network; try again in ${result.ttlInSeconds} s`,
        result.ttlInSeconds
      )
    }
  }
}

export const COOLDOWN_COOKIE = 'puls_cooldown'

/**
 * Seconds this browser must still wait before answering through a collector again: from a cookie
 * signed with the server secret that holds only the time its cooldown ends. A missing, expired,
 * unsigned or tampered cookie means no wait.
 */
export function cooldownRemaining (request: FastifyRequest, now: Date): number {
  const raw = requestCookie(request, COOLDOWN_COOKIE)
  if (raw === undefined) return 0
  const { valid, value } = request.unsignCookie(raw)
  if (!valid || value === null || !/^\d{1,15}$/.test(value)) return 0
  return Math.max(0, Math.ceil((Number(value) - now.getTime()) / 1000))
}

export function checkCooldown (request: FastifyRequest, now: Date): void {
  const wait = cooldownRemaining(request, now)
  if (wait > 0) throw new TooManyRequestsError('cooldown', `this browser answered a moment ago; wait ${wait} s`, wait)
}

/**
 * After an answer: starts the browser's cooldown. The cookie is scoped to the collector's own
 * path (as the browser sees it, behind any proxy prefix of PUBLIC_URL), so it is sent nowhere else.
 */
export function startCooldown (reply: FastifyReply, collectorUrl: string, seconds: number, now: Date): void {
  if (seconds <= 0) return
  const url = new URL(collectorUrl)
  reply.setCookie(COOLDOWN_COOKIE, String(now.getTime() + seconds * 1000), {
    signed: true,
    path: url.pathname,
    maxAge: seconds,
    httpOnly: true,
    sameSite: 'strict',
    secure: url.protocol === 'https:'
  })
}
