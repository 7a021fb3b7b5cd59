import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type InjectOptions,
  type LightMyRequestResponse
} from 'fastify'
import tap from 'tap'
import app, { serverOptions } from '../../src/app.js'
import { isPostgresUrl, loadConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'
import type { Clock } from '../../src/clock.js'
import { createDatabase, startPostgres, type StartOptions, type TestPostgres } from './postgres.js'

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
  /** The store, whatever PULS_TEST_STORE says: for a test that compares both (default TEST_STORE). */
  store?: 'sqlite' | 'postgres'
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

/**
 * The store the tests run on: SQLite unless PULS_TEST_STORE=postgres, which `npm test` sets for
 * its second run (docs/postgres.md, "Tests"). A test about one store's own mechanics checks it.
 */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.PULS_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite'

/**
 * For `t.test(name, { skip: onlyOn('sqlite', why) }, fn)`: a test about one store's own mechanics
 * (the WAL, the file, the online backup) is skipped on the other store, with the reason shown.
 */
export function onlyOn (store: 'sqlite' | 'postgres', why: string): string | false {
  return TEST_STORE === store ? false : `${store} only: ${why}`
}

// On PostgreSQL: one throwaway cluster per test file and kind (fsync off, or durable for the tests
// that kill a server process), started on first use and shared by the helpers of the file.
const clusters = new Map<boolean, Promise<TestPostgres>>()
let created = 0
/** A new, empty database on this test file's cluster; its URL. */
export async function newTestDatabase (opts: StartOptions = {}): Promise<string> {
  const durable = opts.durable === true
  let cluster = clusters.get(durable)
  if (cluster === undefined) {
    cluster = startPostgres(tap, opts)
    clusters.set(durable, cluster)
  }
  return await createDatabase(await cluster, `puls_${++created}`)
}

// One database per data folder: a test that restarts the service on its data folder finds its data.
const databases = new Map<string, string>()
async function databaseFor (dataDir: string): Promise<string> {
  let database = databases.get(dataDir)
  if (database === undefined) {
    database = await newTestDatabase()
    databases.set(dataDir, database)
  }
  return database
}

/**
 * The real app on a temporary SQLite file (or a fresh PostgreSQL database, see TEST_STORE), closed
 * (and the folder removed) when the test ends.
 */
export async function build (t: Tap, opts: BuildOptions = {}): Promise<FastifyInstance & { dataDir: string }> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'puls-test-'))
  const env: Record<string, string> = {
    PULS_DATA_DIR: dataDir, PULS_API_KEY: API_KEY, LOG_LEVEL: 'silent', ...opts.env
  }
  const store = opts.store ?? TEST_STORE
  if (store === 'postgres' && opts.env?.DATABASE_URL === undefined) env.DATABASE_URL = await databaseFor(dataDir)
  const config = loadConfig(env)
  // A test's logger options go on top of the real ones, so its log is redacted as in production.
  const logger = typeof opts.logger === 'object' ? { ...loggerOptions(config), ...opts.logger } : opts.logger
  const fastify = Fastify(serverOptions(config, logger === undefined ? {} : { logger }))
  // Test clusters run without fsync (test/helpers/postgres.ts); the start-up check would refuse them.
  const unsafeSkipDurabilityChecks = env.DATABASE_URL !== undefined && isPostgresUrl(env.DATABASE_URL)
  await fastify.register(app, { config, clock: opts.clock, unsafeSkipDurabilityChecks })
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
