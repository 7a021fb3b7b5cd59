import cliProgress from 'cli-progress'
import type { CliIo } from '../cli.js'
import { postgresUrlProblem, type Config } from '../config.js'
import { copyToPostgres, type CopyCount } from './copy.js'

/** Plain progress lines (not on a terminal) come every this many rows. */
const PROGRESS_EVERY = 50_000

/**
 * `npm run puls -- copy-to <postgres-url>`: the SQLite database of DATABASE_URL into an empty
 * PostgreSQL database (src/db/copy.ts), with a progress bar on a terminal and the counts per
 * table at the end. The URL is never printed: it may hold a password.
 */
export async function copyToCommand (config: Config, url: string | undefined, io: CliIo): Promise<number> {
  if (url === undefined) {
    io.err('copy-to needs a PostgreSQL URL: npm run puls -- copy-to postgres://user@host:5432/database')
    return 2
  }
  const problem = /^postgres(ql)?:\/\//i.test(url) ? postgresUrlProblem(url) : 'must start with postgres://'
  if (problem !== undefined) {
    io.err(`copy-to: the PostgreSQL URL ${problem}`)
    return 2
  }
  if (config.postgres !== undefined) {
    io.err('copy-to reads the SQLite database named by DATABASE_URL, which names PostgreSQL here')
    return 2
  }
  const started = performance.now()
  const bar = io.terminal === undefined
    ? undefined
    : new cliProgress.SingleBar({
      stream: io.terminal,
      format: 'copying |{bar}| {percentage}% | {value}/{total} rows | {table}',
      hideCursor: true
    }, cliProgress.Presets.shades_classic)
  let printed = 0
  let counts: CopyCount[]
  try {
    counts = await copyToPostgres(config.databaseFile, { url, poolSize: 2 }, {
      start: found => {
        const total = found.reduce((n, c) => n + c.rows, 0)
        if (bar !== undefined) bar.start(total, 0, { table: '' })
        else io.out(`copying ${total} rows in ${found.length} tables`)
      },
      rows: (table, _done, doneAll) => {
        if (bar !== undefined) bar.update(doneAll, { table })
        else if (doneAll - printed >= PROGRESS_EVERY) io.out(`… ${(printed = doneAll)} rows`)
      }
    })
  } finally {
    bar?.stop()
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  io.out(`copied ${config.databaseFile} to PostgreSQL in ${seconds} s; rows per table, checked on both sides:`)
  const width = Math.max(...counts.map(c => c.table.length))
  for (const { table, rows } of counts) io.out(`  ${table.padEnd(width)} ${String(rows).padStart(10)}`)
  io.out('Point DATABASE_URL at PostgreSQL once Puls serves on it, then erase the SQLite file and its backups ' +
    '(they hold the same answers and addresses).')
  return 0
}
