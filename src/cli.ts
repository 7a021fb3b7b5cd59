import { realpathSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import Fastify from 'fastify'
import app, { serverOptions } from './app.js'
import { AuditListQuerySchema } from './audit/schemas.js'
import { listAudit, purgeAudit, recordAudit } from './audit/service.js'
import { ROLES, type Role } from './auth/access.js'
import { createApiKey, revokeApiKey } from './auth/keys.js'
import { listApiKeys } from './auth/repository.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { backupDatabase, POSTGRES_BACKUP_ADVICE } from './db/backup.js'
import type { Db } from './db/client.js'
import { openStore } from './db/store.js'
import { copyToCommand } from './db/copy-command.js'
import { AppError } from './errors.js'
import { sweep } from './invitations/service.js'
import { purge } from './retention/service.js'
import { IMPORT_STATUSES, ImportError, importInvitations, type ImportResult } from './invitations/csv-import.js'
import { writeOpenApi } from './openapi.js'

const USAGE = `Usage: npm run puls -- <command>

  keys create [--name <name>] [--role admin|integration|reader] [--teams <team,team>]
                              create an API key (printed once; only its hash is stored); the role
                              defaults to admin, a reader key names the teams it may read
  keys list                   list API keys with role and teams (never the keys themselves)
  keys revoke <id>            revoke an API key
  migrate                     apply database migrations (the service also does this at start)
  backup <file> [--force]     copy the database to <file> while the service runs (--force replaces <file>)
  copy-to <postgres-url>      copy the SQLite database into an empty PostgreSQL database (docs/postgres.md)
  purge                       apply retention now (the service does daily): delete old answers and
                              comments, and ended invitations no longer needed
  invite --survey <id> <file.csv>
                              invite everyone in a CSV file (columns: email, locale, then attributes)
                              to a relationship survey; a re-run invites nobody twice
  audit [--survey <id>] [--team <team>] [--actor <id>] [--action <action>] [--from <day>] [--to <day>] [--limit <n>]
                              print the audit trail, newest first: who read which results, made or
                              revoked links and keys, signed in (kept AUDIT_RETAIN_DAYS)
  openapi [--check]           write openapi/openapi.json, or check that it is current

Reads the same environment as the service (DATABASE_URL, PULS_DATA_DIR, …).`

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
  /** stdout when it is a terminal: long commands draw a progress bar there instead of printing progress lines. */
  terminal?: NodeJS.WriteStream | undefined
}

export interface CliOptions {
  /** Only for the tests' throwaway PostgreSQL clusters, which run without fsync (src/db/postgres/client.ts). */
  unsafeSkipDurabilityChecks?: boolean | undefined
}

/** Runs one CLI command; returns the exit code. Tests call this in-process. */
export async function runCli (
  argv: string[], env: Record<string, string | undefined>, io: CliIo, opts: CliOptions = {}
): Promise<number> {
  try {
    return await dispatch(argv, env, io, opts)
  } catch (err) {
    // A refused request (unknown id, file exists, …) is a message and exit code 1, not a stack.
    if (!(err instanceof AppError)) throw err
    io.err(err.message)
    return 1
  }
}

async function dispatch (
  argv: string[], env: Record<string, string | undefined>, io: CliIo, opts: CliOptions
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      teams: { type: 'string' },
      check: { type: 'boolean' },
      force: { type: 'boolean' },
      survey: { type: 'string' },
      actor: { type: 'string' },
      action: { type: 'string' },
      team: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  const [command, sub, arg] = positionals
  if (values.help === true || command === undefined) {
    io.out(USAGE)
    return command === undefined && values.help !== true ? 2 : 0
  }
  if (command === 'openapi') {
    const { current } = await writeOpenApi(values.check === true)
    if (values.check === true && !current) {
      io.err('openapi/openapi.json differs from the routes: run `npm run openapi` and commit it')
      return 1
    }
    io.out(current ? 'openapi/openapi.json is current' : 'wrote openapi/openapi.json')
    return 0
  }

  const config = loadConfig(env)
  if (command === 'copy-to') return copyToCommand(config, sub, io)
  if (command === 'backup') {
    if (config.postgres === undefined) return backup(config.databaseFile, sub, values.force === true, io)
    io.err(POSTGRES_BACKUP_ADVICE)
    return 1
  }
  if (command === 'invite') return inviteFromFile(config, values.survey, sub, io, opts)

  const store = await openStore(config, opts)
  try {
    const now = new Date()
    if (command === 'migrate') {
      io.out(`migrations applied to ${config.postgres === undefined ? config.databaseFile : 'the PostgreSQL database'}`)
    } else if (command === 'purge') {
      // The sweep first: invitations that expired unopened end now, and may go in the same run.
      const { expired } = await sweep(store.db, now)
      const { responses, comments, invitations } = await purge(store, now, config.retention)
      const audit = (await purgeAudit(store.db, now, config.auditRetainDays)).audit_events
      io.out(
        `retention applied: ${responses} answers deleted, ${comments} comments dropped, ` +
          `${invitations} ended invitations deleted (${expired} expired just now), ${audit} audit events deleted`
      )
    } else if (command === 'audit') {
      return await printAudit(store.db, values, io)
    } else if (command === 'keys' && sub === 'create') {
      const role = values.role ?? 'admin'
      if (!isRole(role)) {
        io.err(`keys create --role must be one of ${ROLES.join(', ')}`)
        return 2
      }
      const teams =
        values.teams === undefined
          ? null
          : values.teams
            .split(',')
            .map(t => t.trim())
            .filter(t => t !== '')
      const name = values.name?.trim() ?? `${role}${teams === null ? '' : ` ${teams.join(',')}`}`
      if (name === '') {
        io.err('keys create --name must not be empty')
        return 2
      }
      const key = await store.transaction(async tx => {
        const made = await createApiKey(tx, { name, role, teams }, now)
        await recordAudit(tx, { actor: 'cli', actorKind: 'cli', action: 'key.create', target: made.id }, now)
        return made
      })
      io.out(`created API key ${key.id} (${key.name}, ${describeKey(key)})`)
      io.out('store it now; it is not shown again:')
      io.out(key.key)
    } else if (command === 'keys' && sub === 'list') {
      const keys = await listApiKeys(store.db)
      if (keys.length === 0) io.out('no API keys')
      for (const k of keys) {
        const state = k.revokedAt === null ? 'active' : `revoked ${k.revokedAt.toISOString()}`
        io.out(`${k.id}\t${k.name}\t${describeKey(k)}\tcreated ${k.createdAt.toISOString()}\t${state}`)
      }
    } else if (command === 'keys' && sub === 'revoke' && arg !== undefined) {
      await store.transaction(async tx => {
        await revokeApiKey(tx, arg, now)
        await recordAudit(tx, { actor: 'cli', actorKind: 'cli', action: 'key.revoke', target: arg }, now)
      })
      io.out(`revoked API key ${arg}`)
    } else {
      io.err(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`)
      return 2
    }
    return 0
  } finally {
    await store.close()
  }
}

async function printAudit (db: Db, values: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined)
  const parsed = AuditListQuerySchema.safeParse({
    survey_id: str('survey'),
    team: str('team'),
    actor: str('actor'),
    action: str('action'),
    from: str('from'),
    to: str('to'),
    limit: str('limit')
  })
  if (!parsed.success) {
    io.err(
      parsed.error.issues.map(i => `--${i.path.join('.').replace('survey_id', 'survey')}: ${i.message}`).join('\n')
    )
    return 2
  }
  const { items } = await listAudit(db, parsed.data)
  if (items.length === 0) io.out('no audit events')
  for (const e of items) {
    io.out([e.at, e.actor_kind, e.actor, e.action, e.survey_id ?? '-', e.team ?? '-', e.target ?? '-'].join('\t'))
  }
  return 0
}

const isRole = (role: string): role is Role => (ROLES as readonly string[]).includes(role)
const describeKey = (k: { role: Role; teams: readonly string[] | null }): string =>
  k.teams === null ? k.role : `${k.role} of ${k.teams.join(',')}`

// A backup copies the database as it is: it neither migrates it (a backup is best taken before a
// migration) nor holds it open longer than the copy takes.
async function backup (databaseFile: string, target: string | undefined, force: boolean, io: CliIo): Promise<number> {
  if (target === undefined) {
    io.err('backup needs a file: npm run puls -- backup <file> [--force]')
    return 2
  }
  const { file, pages, bytes } = await backupDatabase(databaseFile, target, { overwrite: force })
  io.out(`backed up ${databaseFile} to ${file} (${pages} pages, ${(bytes / 1024 / 1024).toFixed(1)} MiB)`)
  return 0
}

/** Plain progress lines (not on a terminal) come every this many rows. */
const PROGRESS_EVERY = 10_000

// Runs inside the app (not on a bare database connection), so invitations are made exactly as the
// API makes them: the same secret, public URL and clock, and whatever the app does with a new one.
async function inviteFromFile (
  config: Config,
  surveyId: string | undefined,
  file: string | undefined,
  io: CliIo,
  opts: CliOptions
): Promise<number> {
  if (surveyId === undefined || file === undefined) {
    io.err('invite needs a survey and a file: npm run puls -- invite --survey <id> <file.csv>')
    return 2
  }
  let handle
  try {
    handle = await open(file)
    if (!(await handle.stat()).isFile()) throw new Error('not a file')
  } catch (err) {
    await handle?.close()
    io.err(`cannot read ${file}: ${(err as Error).message}`)
    return 1
  }
  const size = (await handle.stat()).size
  const started = performance.now()
  const fastify = Fastify(serverOptions(config, { logger: false }))
  const bar =
    io.terminal === undefined
      ? undefined
      : new cliProgress.SingleBar(
        {
          stream: io.terminal,
          format:
              'inviting |{bar}| {percentage}% of the file | {rows} rows, {notes} to report | {duration_formatted}',
          hideCursor: true
        },
        cliProgress.Presets.shades_classic
      )
  let printed = 0
  // The bar redraws at a saved cursor position, which lines written between its frames would
  // scramble: on a terminal, messages wait until the bar is done (the bar counts them).
  const held: string[] = []
  const note = (line: string) => {
    if (bar === undefined) io.err(line)
    else held.push(line)
  }
  const stopBar = () => {
    bar?.stop()
    for (const line of held.splice(0)) io.err(line)
  }
  try {
    // The service runs the background jobs; a long import beside it need not run them twice.
    const { unsafeSkipDurabilityChecks } = opts
    const quiet = { ...config, sweepIntervalMs: 0, retentionIntervalMs: 0 }
    await fastify.register(app, { config: quiet, unsafeSkipDurabilityChecks })
    await fastify.ready()
    bar?.start(size, 0, { rows: 0, notes: 0 })
    const context = {
      secret: fastify.secret,
      publicUrl: config.publicUrl,
      now: fastify.clock.now(),
      mail: fastify.invitationMail.queue
    }
    const result = await importInvitations(fastify.store, context, surveyId, handle.createReadStream(), {
      invalid: note,
      warning: note,
      progress: (rows, bytes) => {
        if (bar !== undefined) bar.update(bytes, { rows, notes: held.length })
        else if (rows % PROGRESS_EVERY === 0 && rows !== printed) io.out(`… ${(printed = rows)} rows`)
      }
    })
    stopBar()
    printSummary(io, `invited from ${basename(file)} into survey ${surveyId}`, result, started)
    return 0
  } catch (err) {
    stopBar()
    if (!(err instanceof AppError)) throw err
    io.err(err.message)
    if (err instanceof ImportError && err.partial !== undefined) {
      printSummary(io, `stopped in ${basename(file)}`, err.partial, started)
    }
    return 1
  } finally {
    await handle.close()
    await fastify.close()
  }
}

function printSummary (io: CliIo, what: string, { rows, counts }: ImportResult, started: number): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const peak = Math.round(process.resourceUsage().maxRSS / 1024)
  io.out(`${what}: ${rows} rows in ${seconds} s, peak memory ${peak} MiB`)
  for (const status of IMPORT_STATUSES) io.out(`  ${status.padEnd(10)} ${String(counts[status]).padStart(8)}`)
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
if (invokedDirectly) {
  try {
    process.exitCode = await runCli(process.argv.slice(2), process.env, {
      out: console.log,
      err: console.error,
      terminal: process.stdout.isTTY ? process.stdout : undefined
    })
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exitCode = 1
  }
}
