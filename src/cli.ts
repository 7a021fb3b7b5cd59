import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createApiKey, revokeApiKey } from './auth/keys.js'
import { listApiKeys } from './auth/repository.js'
import { ConfigError, loadConfig } from './config.js'
import { backupDatabase } from './db/backup.js'
import { openDatabase, runMigrations } from './db/client.js'
import { AppError } from './errors.js'
import { writeOpenApi } from './openapi.js'

const USAGE = `Usage: npm run puls -- <command>

  keys create --name <name>   create an API key (printed once; only its hash is stored)
  keys list                   list API keys (never the keys themselves)
  keys revoke <id>            revoke an API key
  migrate                     apply database migrations (the service also does this at start)
  backup <file> [--force]     copy the database to <file> while the service runs (--force replaces <file>)
  openapi [--check]           write openapi/openapi.json, or check that it is current

Reads the same environment as the service (DATABASE_URL, PULS_DATA_DIR, …).`

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
}

/** Runs one CLI command; returns the exit code. Tests call this in-process. */
export async function runCli (argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      check: { type: 'boolean' },
      force: { type: 'boolean' },
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
  if (command === 'backup') return backup(config.databaseFile, sub, values.force === true, io)

  const store = openDatabase(config.databaseFile)
  try {
    runMigrations(store)
    const now = new Date()
    if (command === 'migrate') {
      io.out(`migrations applied to ${config.databaseFile}`)
    } else if (command === 'keys' && sub === 'create') {
      const name = values.name?.trim()
      if (name === undefined || name === '') {
        io.err('keys create needs --name <name>')
        return 2
      }
      const key = createApiKey(store.db, name, now)
      io.out(`created API key ${key.id} (${key.name})`)
      io.out('store it now; it is not shown again:')
      io.out(key.key)
    } else if (command === 'keys' && sub === 'list') {
      const keys = listApiKeys(store.db)
      if (keys.length === 0) io.out('no API keys')
      for (const k of keys) {
        io.out(`${k.id}\t${k.name}\tcreated ${k.createdAt.toISOString()}\t${k.revokedAt === null ? 'active' : `revoked ${k.revokedAt.toISOString()}`}`)
      }
    } else if (command === 'keys' && sub === 'revoke' && arg !== undefined) {
      revokeApiKey(store.db, arg, now)
      io.out(`revoked API key ${arg}`)
    } else {
      io.err(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`)
      return 2
    }
    return 0
  } catch (err) {
    if (err instanceof AppError) {
      io.err(err.message)
      return 1
    }
    throw err
  } finally {
    store.close()
  }
}

// A backup copies the database as it is: it neither migrates it (a backup is best taken before a
// migration) nor holds it open longer than the copy takes.
async function backup (databaseFile: string, target: string | undefined, force: boolean, io: CliIo): Promise<number> {
  if (target === undefined) {
    io.err('backup needs a file: npm run puls -- backup <file> [--force]')
    return 2
  }
  try {
    const { file, pages, bytes } = await backupDatabase(databaseFile, target, { overwrite: force })
    io.out(`backed up ${databaseFile} to ${file} (${pages} pages, ${(bytes / 1024 / 1024).toFixed(1)} MiB)`)
    return 0
  } catch (err) {
    if (err instanceof AppError) {
      io.err(err.message)
      return 1
    }
    throw err
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
if (invokedDirectly) {
  try {
    process.exitCode = await runCli(process.argv.slice(2), process.env, { out: console.log, err: console.error })
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exitCode = 1
  }
}
