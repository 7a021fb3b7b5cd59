import { execFile } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

// A few tests drive real programs from Debian (a browser, the sqlite3 shell, …). `npm test` finds
// each one; when it is missing and the tests run as root with apt-get, it installs the package once
// (as .ci/run does from .ci/apt-packages); otherwise the test fails with one line saying how to
// install it. Nothing is skipped.

export interface SystemPackage {
  /**
   * What shows the package is there, tried in order: a command name (looked up on PATH) or an
   * absolute path to any file the package installs, where a `*` stands for one folder name (as
   * PostgreSQL's version folder under /usr/lib/postgresql); the highest match wins.
   */
  binary: string | string[]
  /** The Debian package that brings it. */
  debianPackage: string
  /** What the tests use it for, for the failure line. */
  why: string
  /** An environment variable that names the file to use instead (e.g. CHROMIUM_PATH). */
  env?: string
}

/** The system packages the tests use; .ci/apt-packages installs the same up front. */
export const TEST_PACKAGES = {
  chromium: {
    binary: ['chromium', 'chromium-browser'],
    env: 'CHROMIUM_PATH',
    debianPackage: 'chromium',
    why: 'the browser tests drive a real headless Chromium'
  },
  font: {
    binary: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    debianPackage: 'fonts-dejavu-core',
    why: 'the browser tests lay pages out with a known font'
  },
  sqlite3: {
    binary: 'sqlite3',
    debianPackage: 'sqlite3',
    why: 'tests read the database file with the sqlite3 shell, as someone who copied it would'
  },
  script: {
    binary: 'script',
    debianPackage: 'bsdutils',
    why: 'a test runs the CLI on a pseudo-terminal with script(1)'
  },
  postgresql: {
    binary: '/usr/lib/postgresql/*/bin/postgres',
    debianPackage: 'postgresql',
    why: 'the PostgreSQL tests start a throwaway cluster with its server binaries'
  }
} satisfies Record<string, SystemPackage>

/** The part of a tap test this needs: the root test's timeout is raised while apt-get works. */
interface Tap { setTimeout: (ms: number) => void }

const INSTALL_TIMEOUT_MS = 15 * 60_000
// One lock for every install: parallel test files must not both run apt-get (dpkg allows one).
const LOCK = join(tmpdir(), 'puls-test-apt-get.lock')

/** The path of `pkg`'s binary, installing the package first if it is missing and we may. */
export async function ensureSystemPackage (pkg: SystemPackage, t?: Tap): Promise<string> {
  const override = pkg.env === undefined ? undefined : process.env[pkg.env]
  if (override !== undefined && override !== '') {
    if (isFile(override)) return override
    throw oneLine(`${pkg.env}=${override} is not a file; unset it or point it at ${pkg.debianPackage}'s binary`)
  }
  const found = find(pkg)
  if (found !== undefined) return found
  if (process.getuid?.() !== 0 || find({ ...pkg, binary: 'apt-get' }) === undefined) throw oneLine(howTo(pkg))

  t?.setTimeout(INSTALL_TIMEOUT_MS)
  try {
    await withLock(async () => {
      if (find(pkg) === undefined) await aptInstall(pkg)
    })
  } finally {
    t?.setTimeout(Number(process.env.TAP_TIMEOUT ?? 30) * 1000)
  }
  const installed = find(pkg)
  if (installed === undefined) throw oneLine(`apt-get installed ${pkg.debianPackage} but none of ${list(pkg)} is there`)
  return installed
}

function find (pkg: Pick<SystemPackage, 'binary'>): string | undefined {
  for (const candidate of typeof pkg.binary === 'string' ? [pkg.binary] : pkg.binary) {
    const paths = candidate.startsWith('/') ? expand(candidate) : onPath(candidate)
    const hit = paths.find(isFile)
    if (hit !== undefined) return hit
  }
  return undefined
}

function onPath (command: string): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(dir => dir !== '')
  return [...dirs, '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'].map(dir => join(dir, command))
}

/** Every existing path the pattern matches, highest name first (so PostgreSQL 17 before 16). */
function expand (pattern: string): string[] {
  let paths = ['/']
  for (const part of pattern.split('/').filter(p => p !== '')) {
    if (!part.includes('*')) {
      paths = paths.map(p => join(p, part))
      continue
    }
    const re = new RegExp('^' + part.split('*').map(s => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*') + '$')
    paths = paths.flatMap(p => {
      try {
        return readdirSync(p).filter(name => re.test(name)).map(name => join(p, name))
      } catch {
        return []
      }
    })
  }
  return paths.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
}

function isFile (path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

async function withLock (work: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (!holderAlive()) {
        try { unlinkSync(LOCK) } catch {}
        continue
      }
      await sleep(1000)
    }
  }
  try {
    await work()
  } finally {
    try { unlinkSync(LOCK) } catch {}
  }
}

/** Whether the process that wrote the lock still runs (a killed test run leaves its lock behind). */
function holderAlive (): boolean {
  try {
    const pid = Number(readFileSync(LOCK, 'utf8'))
    if (!Number.isInteger(pid) || pid <= 0) return existsSync(LOCK)
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function aptInstall (pkg: SystemPackage): Promise<void> {
  process.stderr.write(`# installing Debian's ${pkg.debianPackage} with apt-get (${pkg.why})\n`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const wait = ['-o', 'DPkg::Lock::Timeout=600']
  try {
    await run('apt-get', [...wait, 'update', '-qq'], env)
    await run('apt-get', [...wait, 'install', '-y', '-qq', '--no-install-recommends', pkg.debianPackage], env)
  } catch (err) {
    const said = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').at(-1)
    throw oneLine(`apt-get could not install ${pkg.debianPackage} (${said}); ${howTo(pkg)}`)
  }
}

function run (command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, _out, stderr) => {
      if (err !== null) reject(Object.assign(err, { stderr }))
      else resolve()
    })
  })
}

function list (pkg: SystemPackage): string {
  return (typeof pkg.binary === 'string' ? [pkg.binary] : pkg.binary).join(', ')
}

function howTo (pkg: SystemPackage): string {
  const instead = pkg.env === undefined ? '' : `, or set ${pkg.env} to its binary`
  return `${pkg.debianPackage} is missing (${pkg.why}): run \`apt-get install ${pkg.debianPackage}\` as root${instead}`
}

/** An error that prints as its message alone: the line says what to do, a stack would bury it. */
function oneLine (message: string): Error {
  const err = new Error(message)
  err.stack = message
  return err
}
