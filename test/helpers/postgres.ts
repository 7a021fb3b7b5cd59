import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { ensureSystemPackage, TEST_PACKAGES } from './system-package.js'

// A throwaway PostgreSQL cluster for one test file: Debian's server binaries, `initdb` into a
// temporary folder, `postgres` on 127.0.0.1 with a free port, stopped and removed at teardown.
// PostgreSQL refuses to run as root, so as root it runs as the unprivileged account `puls-test`
// (created when missing); otherwise as the current user. Durability is off unless asked for: a test
// cluster never outlives its test. The design it serves: docs/postgres.md.

export interface TestPostgres {
  /** Connection URL of the `postgres` database as superuser `postgres` (trust authentication). */
  url: string
  port: number
  /** The postmaster's process id (its children stop with it). */
  pid: number
  /** The temporary folder holding the data directory and the Unix socket; removed at teardown. */
  dir: string
}

/** The part of a tap test this needs. */
interface Tap {
  setTimeout: (ms: number) => void
  teardown: (fn: () => void | Promise<void>) => void
}

const ACCOUNT = 'puls-test'
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 20_000

export interface StartOptions {
  /**
   * fsync, synchronous_commit and full_page_writes left on, as Puls requires of a real server
   * (docs/postgres.md): for tests that open the store without skipping its start-up checks.
   */
  durable?: boolean
  /** Server settings on top of the test defaults (`-c name=value`), e.g. one Puls must refuse. */
  settings?: Record<string, string>
}

/** Starts a cluster whose life ends with `t` (call it once per test file, on the file's test). */
export async function startPostgres (t: Tap, opts: StartOptions = {}): Promise<TestPostgres> {
  const bin = dirname(await ensureSystemPackage(TEST_PACKAGES.postgresql, t))
  const owner = account()
  const dir = mkdtempSync(join(reachableTmp(owner), 'puls-pg-'))
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid)
  const stopped: Array<() => Promise<void>> = []
  t.teardown(async () => {
    for (const stop of stopped) await stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const data = join(dir, 'data')
  const init = spawnSync(join(bin, 'initdb'), [
    '-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'
  ], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C' }, ...owner })
  if (init.status !== 0) throw new Error(`initdb failed: ${(init.stderr ?? init.error?.message ?? '').trim()}`)

  // A free port can be taken between asking and binding (parallel test files): try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const server = await launch(join(bin, 'postgres'), data, dir, port, opts, owner)
    stopped.push(server.stop)
    if ('pid' in server) return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, pid: server.pid, dir }
    if (attempt === 3 || !server.log.includes('could not bind')) {
      throw new Error(`postgres did not start:\n${server.log.trim().split('\n').slice(-10).join('\n')}`)
    }
  }
}

/** Creates an empty database on the cluster; its URL. */
export async function createDatabase (cluster: TestPostgres, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.url })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  return cluster.url.replace(/\/postgres$/, `/${name}`)
}

interface Owner { uid: number, gid: number }

/** The account the server runs as: `puls-test` when we are root, else ourselves (undefined). */
function account (): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined
  let found = lookup()
  if (found === undefined) {
    // Another test file may create it at the same moment; only the lookup afterwards counts.
    const useradd = existsSync('/usr/sbin/useradd') ? '/usr/sbin/useradd' : 'useradd'
    spawnSync(useradd, ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ACCOUNT])
    found = lookup()
  }
  if (found === undefined) throw new Error(`could not create the account ${ACCOUNT} to run PostgreSQL (useradd failed)`)
  return found
}

/** The temporary folder, if the server's account can reach it (root's TMPDIR may be private). */
function reachableTmp (owner?: Owner): string {
  const base = tmpdir()
  if (owner === undefined) return base
  return spawnSync('sh', ['-c', 'cd "$1"', 'sh', base], { ...owner }).status === 0 ? base : '/tmp'
}

function lookup (): Owner | undefined {
  const uid = spawnSync('id', ['-u', ACCOUNT], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', ACCOUNT], { encoding: 'utf8' })
  if (uid.status !== 0 || gid.status !== 0) return undefined
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) }
}

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

type Launched = { pid: number, stop: () => Promise<void> } | { log: string, stop: () => Promise<void> }

// The server runs under a small shell that stops it (fast shutdown) when the shell's stdin closes,
// and removes the folder after a clean stop. Its stdin closes at teardown, and also when the test
// process dies without one (a crash, a tap timeout), so no postgres outlives its test file. The
// shell ends when postgres does, for whatever reason (a failed start too).
const GUARD = [
  'dir=$1; shift; exec 3<&0',
  '"$@" </dev/null & pid=$!',
  '{ cat <&3 >/dev/null; kill -INT $pid 2>/dev/null; } & exec 3<&-',
  'wait $pid; status=$?',
  'if [ $status -eq 0 ]; then rm -rf "$dir"; fi; exit $status'
].join('\n')

async function launch (
  postgres: string, data: string, dir: string, port: number, opts: StartOptions, owner?: Owner
): Promise<Launched> {
  const args = [
    '-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir,
    ...(opts.durable === true ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    '-c', 'shared_buffers=16MB', '-c', 'max_connections=30', '-c', 'max_wal_senders=0', '-c', 'wal_level=minimal',
    ...Object.entries(opts.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`])
  ]
  const child = spawn('sh', ['-c', GUARD, 'guard', dir, postgres, ...args], {
    cwd: dir, env: { PATH: process.env.PATH, LANG: 'C' }, stdio: ['pipe', 'ignore', 'pipe'], ...owner
  })
  let log = ''
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => stopGuard(child, exited, data)
  const ready = await new Promise<boolean>(resolve => {
    const timer = setTimeout(() => resolve(false), START_TIMEOUT_MS)
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk
      if (log.length > 64_000) log = log.slice(-32_000)
      if (log.includes('ready to accept connections')) { clearTimeout(timer); resolve(true) }
    })
    exited.then(() => { clearTimeout(timer); resolve(false) }, () => {})
  })
  if (!ready) {
    await stop()
    return { log, stop }
  }
  // The postmaster's own pid is the first line of postmaster.pid (the shell's pid is not it).
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
  return { pid, stop }
}

async function stopGuard (child: ChildProcess, exited: Promise<void>, data: string): Promise<void> {
  child.stdin?.end()
  if (child.exitCode !== null || child.signalCode !== null) return
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>(resolve => setTimeout(() => resolve(true), STOP_TIMEOUT_MS).unref())
  ])
  if (!timedOut) return
  // A fast shutdown that hangs: stop it immediately, then the shell.
  try {
    process.kill(Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT')
  } catch {}
  child.kill('SIGKILL')
  await exited
}
