import { resolve } from 'node:path'
import { z } from 'zod'

// Every setting Puls reads from the environment (README, Configuration). Parsed once at start-up; the rest of
// the code only ever sees the typed `Config`, so tests pass plain objects instead of touching
// process.env.
const port = z.coerce.number().int().min(0).max(65535)

const hookSecret = z.string().min(16, 'must be at least 16 characters').optional()

const EnvSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().min(1).optional(),
  // Connections a PostgreSQL store opens at most (docs/operating.md); SQLite ignores it.
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(1000).default(10),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).default('Puls <puls@localhost>'),
  MAIL_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(2000),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  MAIL_RETRY_MIN_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  MAIL_RETRY_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(3600),
  PULS_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  PULS_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PULS_DATA_DIR: z.string().min(1).default('./data'),
  PULS_TEMPLATES_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.stringbool().default(false),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Fractions are allowed so that tests can watch a slow client being cut off within a second.
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(3600).default(60),
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(120),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // Fractions are allowed so that tests can watch a timer fire without waiting minutes.
  SWEEP_INTERVAL_SECONDS: z.coerce.number().min(0).max(86_400).default(300),
  RETENTION_INTERVAL_SECONDS: z.coerce
    .number()
    .min(0)
    .max(7 * 86_400)
    .default(86_400),
  RETAIN_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  COMMENT_RETAIN_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  AUDIT_RETAIN_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  OIDC_SCOPE: z.string().min(1).default('openid'),
  OIDC_TEAM_PREFIX: z.string().default(''),
  OIDC_ADMIN_GROUP: z.string().min(1).optional(),
  SESSION_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(480),
  // Ticketing systems' own webhooks (docs/integrations.md): a hook without its secret answers 404.
  HOOK_ZAMMAD_SECRET: hookSecret,
  HOOK_GLPI_SECRET: hookSecret,
  HOOK_ZNUNY_SECRET: hookSecret,
  HOOK_JIRA_SECRET: hookSecret,
  WEBHOOK_ALLOWED_HOSTS: z.string().optional(),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(5000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(12),
  WEBHOOK_RETRY_MIN_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
  WEBHOOK_RETRY_MAX_SECONDS: z.coerce
    .number()
    .min(0)
    .max(86_400)
    .default(6 * 3600),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().min(0.05).max(60).default(10),
  WEBHOOK_WATCH_INTERVAL_SECONDS: z.coerce.number().min(0).max(86_400).default(600)
})

export interface Config {
  port: number
  host: string
  /** Absolute path of the SQLite file, or ':memory:'; '' when DATABASE_URL names PostgreSQL. */
  databaseFile: string
  /** Set when DATABASE_URL names a PostgreSQL database (docs/postgres.md). */
  postgres: PostgresConfig | undefined
  publicUrl: string
  smtpUrl: string | undefined
  mailFrom: string
  /** How the outbox worker polls for due mail and retries what a server did not take. */
  mailWorker: { pollMs: number; maxAttempts: number; retryMinMs: number; retryMaxMs: number }
  apiKey: string | undefined
  secret: string | undefined
  dataDir: string
  /** Where mail goes when SMTP_URL is unset. */
  mailDir: string
  templatesDir: string | undefined
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL']
  trustProxy: boolean
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | undefined
  /** Time to receive a whole request (headers and body); a slower client gets 408 and is cut off. */
  requestTimeoutMs: number
  /** Requests per window, per client and route, on routes that need no API key; 0: no default limit. */
  rateLimitMax: number
  rateLimitWindowMs: number
  /** Time between two runs of the invitation sweep in the service; 0: the service does not sweep. */
  sweepIntervalMs: number
  /** Time between two retention runs in the service (daily); 0: the service does not purge. */
  retentionIntervalMs: number
  /** Retention for surveys that set none of their own; undefined: kept for good. */
  retention: { retainDays: number | undefined; commentRetainDays: number | undefined }
  /** Days the audit trail keeps an event (docs/access.md). */
  auditRetainDays: number
  /** Sign-in for people and the console (docs/access.md); undefined: the console is off. */
  oidc: OidcConfig | undefined
  /** Per ticketing system, the secret its webhook is verified with; unset: that hook answers 404. */
  hookSecrets: Record<'zammad' | 'glpi' | 'znuny' | 'jira', string | undefined>
  /** Outbound webhooks: allowed target hosts (undefined: any, except link-local and metadata), delivery and retries. */
  webhooks: {
    allowedHosts: string[] | undefined
    pollMs: number
    maxAttempts: number
    retryMinMs: number
    retryMaxMs: number
    timeoutMs: number
    /** How often released results and targets are compared with what was announced; 0: never. */
    watchIntervalMs: number
  }
}

export interface PostgresConfig {
  /** The connection URL as given (it may hold a password: never log it). */
  url: string
  /** Connections the pool opens at most. */
  poolSize: number
}

export interface OidcConfig {
  issuer: string
  clientId: string
  clientSecret: string
  /** Scopes asked for; the groups claim must come in the ID token. */
  scope: string
  /** The ID token claim listing a person's groups. */
  groupsClaim: string
  /** Groups starting with this are teams (the rest of the name); '' : every group is a team. */
  teamPrefix: string
  /** Members of this group sign in as admins. */
  adminGroup: string | undefined
  sessionTtlMs: number
}

function oidcConfig (e: z.infer<typeof EnvSchema>): OidcConfig | undefined {
  const set = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET].filter(v => v !== undefined).length
  if (set === 0) return undefined
  if (e.OIDC_ISSUER === undefined || e.OIDC_CLIENT_ID === undefined || e.OIDC_CLIENT_SECRET === undefined) {
    throw new ConfigError([
      'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET: set all three, or none (the console is then off)'
    ])
  }
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    scope: e.OIDC_SCOPE.split(/\s+/).includes('openid') ? e.OIDC_SCOPE : `openid ${e.OIDC_SCOPE}`,
    groupsClaim: e.OIDC_GROUPS_CLAIM,
    teamPrefix: e.OIDC_TEAM_PREFIX,
    adminGroup: e.OIDC_ADMIN_GROUP,
    sessionTtlMs: e.SESSION_TTL_MINUTES * 60_000
  }
}

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map(p => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** `postgres://` or `postgresql://` (node-postgres reads both). */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url)

const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']

/**
 * Checks a PostgreSQL URL before node-postgres reads it; the messages never repeat the URL, which
 * may hold a password.
 */
export function postgresUrlProblem (url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'is not a valid URL (postgres://user:password@host:5432/database)'
  }
  if (parsed.hostname === '' && parsed.searchParams.get('host') === null) return 'names no host'
  if (parsed.pathname.replace(/^\//, '') === '') return 'names no database (postgres://user@host:5432/<database>)'
  const sslmode = parsed.searchParams.get('sslmode')
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) return `sslmode must be one of ${SSL_MODES.join(', ')}`
  return undefined
}

function postgresConfig (url: string | undefined, poolSize: number): PostgresConfig | undefined {
  if (url === undefined || !isPostgresUrl(url)) return undefined
  const problem = postgresUrlProblem(url)
  if (problem !== undefined) throw new ConfigError([`DATABASE_URL: ${problem}`])
  return { url, poolSize }
}

function databaseFile (url: string | undefined, dataDir: string): string {
  if (url === undefined) return resolve(dataDir, 'puls.db')
  if (url === ':memory:') return url
  if (isPostgresUrl(url)) return ''
  if (url.startsWith('file:')) return resolve(url.slice('file:'.length).replace(/^\/\/(?=\/)/, ''))
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new ConfigError([`DATABASE_URL: unsupported scheme in "${url.split(':')[0]}:"; use file:<path>, a path or postgres://`])
  }
  return resolve(url)
}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig (env: Record<string, string | undefined>): Config {
  // Empty strings count as unset: `FOO= npm start` should not fail validation.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = EnvSchema.safeParse(present)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`))
  }
  const e = parsed.data
  if (e.MAIL_RETRY_MAX_SECONDS < e.MAIL_RETRY_MIN_SECONDS) {
    throw new ConfigError(['MAIL_RETRY_MAX_SECONDS: must be at least MAIL_RETRY_MIN_SECONDS'])
  }
  const dataDir = resolve(e.PULS_DATA_DIR)
  return {
    port: e.PORT,
    host: e.HOST,
    databaseFile: databaseFile(e.DATABASE_URL, dataDir),
    postgres: postgresConfig(e.DATABASE_URL, e.DATABASE_POOL_SIZE),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mailWorker: {
      pollMs: e.MAIL_POLL_MS,
      maxAttempts: e.MAIL_MAX_ATTEMPTS,
      retryMinMs: e.MAIL_RETRY_MIN_SECONDS * 1000,
      retryMaxMs: e.MAIL_RETRY_MAX_SECONDS * 1000
    },
    apiKey: e.PULS_API_KEY,
    secret: e.PULS_SECRET,
    dataDir,
    mailDir: resolve(dataDir, 'mail'),
    templatesDir: e.PULS_TEMPLATES_DIR === undefined ? undefined : resolve(e.PULS_TEMPLATES_DIR),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    metricsToken: e.METRICS_TOKEN,
    requestTimeoutMs: Math.round(e.REQUEST_TIMEOUT_SECONDS * 1000),
    rateLimitMax: e.RATE_LIMIT_MAX,
    rateLimitWindowMs: e.RATE_LIMIT_WINDOW_SECONDS * 1000,
    sweepIntervalMs: e.SWEEP_INTERVAL_SECONDS * 1000,
    retentionIntervalMs: e.RETENTION_INTERVAL_SECONDS * 1000,
    retention: { retainDays: e.RETAIN_DAYS, commentRetainDays: e.COMMENT_RETAIN_DAYS },
    auditRetainDays: e.AUDIT_RETAIN_DAYS,
    oidc: oidcConfig(e),
    hookSecrets: {
      zammad: e.HOOK_ZAMMAD_SECRET,
      glpi: e.HOOK_GLPI_SECRET,
      znuny: e.HOOK_ZNUNY_SECRET,
      jira: e.HOOK_JIRA_SECRET
    },
    webhooks: {
      allowedHosts: e.WEBHOOK_ALLOWED_HOSTS?.split(',')
        .map(h => h.trim().toLowerCase())
        .filter(h => h !== ''),
      pollMs: e.WEBHOOK_POLL_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryMinMs: e.WEBHOOK_RETRY_MIN_SECONDS * 1000,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_SECONDS * 1000,
      timeoutMs: e.WEBHOOK_TIMEOUT_SECONDS * 1000,
      watchIntervalMs: e.WEBHOOK_WATCH_INTERVAL_SECONDS * 1000
    }
  }
}
