import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type InjectOptions,
  type LightMyRequestResponse
} from 'fastify'
import app, { serverOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'
import type { Clock } from '../../src/clock.js'

export const API_KEY = 'test-bootstrap-key-0123456789'

export interface BuildOptions {
  /** Environment variables on top of the test defaults (never process.env). */
  env?: Record<string, string>
  clock?: Clock
  /** Reuse a data folder, e.g. to restart the service on the same database. */
  dataDir?: string
  /** Fastify logger options over the service's own (level, stream); silent unless a test reads the log. */
  logger?: object | boolean
  /** Test-only routes, registered inside the app's scope after it (e.g. a page probe). */
  routes?: FastifyPluginAsync
}

/** A test clock: starts at `start` and moves only when told. */
export function testClock (
  start = '2026-03-02T09:00:00Z'
): Clock & { set: (iso: string) => void; advanceDays: (n: number) => void } {
  let now = new Date(start)
  return {
    now: () => new Date(now),
    set: iso => {
      now = new Date(iso)
    },
    advanceDays: n => {
      now = new Date(now.getTime() + n * 86_400_000)
    }
  }
}

interface Tap {
  teardown: (fn: () => unknown) => void
}

/** The real app on a temporary SQLite file, closed (and the folder removed) when the test ends. */
export async function build (t: Tap, opts: BuildOptions = {}): Promise<FastifyInstance & { dataDir: string }> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'puls-test-'))
  const config = loadConfig({ PULS_DATA_DIR: dataDir, PULS_API_KEY: API_KEY, LOG_LEVEL: 'silent', ...opts.env })
  // A test's logger options go on top of the real ones, so its log is redacted as in production.
  const logger = typeof opts.logger === 'object' ? { ...loggerOptions(config), ...opts.logger } : opts.logger
  const fastify = Fastify(serverOptions(config, logger === undefined ? {} : { logger }))
  await fastify.register(app, { config, clock: opts.clock })
  if (opts.routes !== undefined) await fastify.register(opts.routes)
  await fastify.ready()
  t.teardown(async () => {
    await fastify.close()
    if (opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true })
  })
  const instance: FastifyInstance = fastify
  return Object.assign(instance, { dataDir })
}

/** app.inject with the bootstrap API key. */
export function api (fastify: FastifyInstance, opts: InjectOptions): Promise<LightMyRequestResponse> {
  return fastify.inject({ ...opts, headers: { authorization: `Bearer ${API_KEY}`, ...opts.headers } })
}
