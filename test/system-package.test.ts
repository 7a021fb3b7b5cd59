import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ensureSystemPackage, TEST_PACKAGES } from './helpers/system-package.js'

// What `npm test` needs from the machine: every Debian package CI installs up front is one the
// tests find (or install, or name) themselves, so a newcomer's `npm test` needs nothing else.

t.test('.ci/apt-packages lists exactly the packages the tests ensure', async t => {
  const listed = readFileSync(new URL('../.ci/apt-packages', import.meta.url), 'utf8')
    .split(/\s+/)
    .filter(p => p !== '')
  t.same(
    listed.sort(),
    Object.values(TEST_PACKAGES)
      .map(p => p.debianPackage)
      .sort()
  )
})

t.test('a package is found on PATH, or by a pattern with the highest version first', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'puls-syspkg-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const version of ['9', '16', '17']) {
    mkdirSync(join(dir, version, 'bin'), { recursive: true })
    writeFileSync(join(dir, version, 'bin', 'postgres'), '')
  }
  const pkg = { debianPackage: 'postgresql', why: 'a test of this helper' }
  t.equal(
    await ensureSystemPackage({ ...pkg, binary: join(dir, '*', 'bin', 'postgres') }),
    join(dir, '17', 'bin', 'postgres')
  )
  t.equal(
    await ensureSystemPackage({ ...pkg, binary: ['no-such-command-here', 'node'] }),
    spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim()
  )
})

t.test('an environment override that names no file fails with one line saying what to do', async t => {
  process.env.PULS_TEST_NO_SUCH_BINARY = '/nonexistent/chromium'
  t.teardown(() => {
    delete process.env.PULS_TEST_NO_SUCH_BINARY
  })
  await t.rejects(
    ensureSystemPackage({ binary: 'node', env: 'PULS_TEST_NO_SUCH_BINARY', debianPackage: 'chromium', why: 'x' }),
    {
      message: "PULS_TEST_NO_SUCH_BINARY=/nonexistent/chromium is not a file; unset it or point it at chromium's binary"
    }
  )
})

t.test('a missing package that cannot be installed fails with one line naming the apt-get command', async t => {
  // Not root (nobody): the helper must not try apt-get, only say how to install the package.
  const dir = mkdtempSync(join(tmpdir(), 'puls-syspkg-'))
  chmodSync(dir, 0o777)
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const helper = new URL('./helpers/system-package.ts', import.meta.url).pathname
  const script =
    `import { ensureSystemPackage } from ${JSON.stringify(helper)}\n` +
    "await ensureSystemPackage({ binary: 'puls-no-such-tool', debianPackage: 'puls-no-such-package', " +
    "why: 'a test of the helper' })"
  const asRoot = process.getuid?.() === 0
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: dir, TMPDIR: dir },
    ...(asRoot ? { uid: 65534, gid: 65534 } : {})
  })
  t.not(run.status, 0)
  const line =
    'puls-no-such-package is missing (a test of the helper): run `apt-get install puls-no-such-package` as root'
  t.match(run.stderr, line)
})
