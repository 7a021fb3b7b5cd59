import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { ConflictError, NotFoundError } from '../errors.js'

/** What `backup` says when DATABASE_URL names PostgreSQL: its own tools back it up (docs/operating.md). */
export const POSTGRES_BACKUP_ADVICE = 'backup copies a SQLite database; DATABASE_URL names PostgreSQL: back it up ' +
  'with pg_dump, or with continuous archiving for point-in-time recovery (docs/operating.md, "Backup and restore")'

export interface BackupResult {
  /** Absolute path of the finished backup. */
  file: string
  pages: number
  bytes: number
}

function fsyncPath (path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Copies the database at `source` to `target` with SQLite's online backup API, while the service
 * keeps reading and writing it: the copy is one consistent snapshot, holding every transaction
 * committed before it began. The copy is written to a temporary file beside `target` and renamed
 * into place only once complete and on disk, so a failed backup never leaves a partial file under
 * the target's name, and `overwrite` replaces an older backup in one step.
 */
export async function backupDatabase (
  source: string,
  target: string,
  opts: { overwrite: boolean }
): Promise<BackupResult> {
  const file = resolve(target)
  if (file === resolve(source)) {
    throw new ConflictError('backup_is_database', 'the backup file cannot be the database itself')
  }
  if (!existsSync(dirname(file))) throw new NotFoundError('folder', dirname(file))
  if (existsSync(file) && !opts.overwrite) {
    throw new ConflictError('backup_exists', `${file} exists; pass --force to replace it`)
  }
  if (!existsSync(source)) throw new NotFoundError('database', source)

  const sqlite = new Database(source, { fileMustExist: true })
  const partial = join(dirname(file), `.${basename(file)}.partial-${process.pid}`)
  try {
    sqlite.pragma('busy_timeout = 5000')
    // The first step only sizes the copy; the progress callback then asks for every remaining
    // page in one step. A write by another connection between steps restarts SQLite's copy, so
    // small steps could restart forever under steady load; one step cannot. Its read transaction
    // blocks no writer in WAL mode, though it does block this process's event loop while it runs.
    // Created 0600 before SQLite writes into it: a copy of the database is as private as the database.
    closeSync(openSync(partial, 'w', 0o600))
    const { totalPages } = await sqlite.backup(partial, { progress: () => 0x7fffffff })
    fsyncPath(partial)
    renameSync(partial, file)
    fsyncPath(dirname(file))
    return { file, pages: totalPages, bytes: statSync(file).size }
  } catch (err) {
    for (const leftover of [partial, `${partial}-journal`]) rmSync(leftover, { force: true })
    throw err
  } finally {
    sqlite.close()
  }
}
