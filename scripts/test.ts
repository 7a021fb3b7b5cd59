import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

// `npm test`: the whole suite on SQLite, then every test file that touches the database again on
// PostgreSQL (PULS_TEST_STORE=postgres: build(t) opens a fresh database on a throwaway cluster per
// file, test/helpers/build.ts). Ends with one summary line over both runs, `# { total: N, pass: N, … }`,
// which .ci/run reads; each run's own summary is relabelled so that only the last line is one.
// Arguments name test files (both runs take the ones that touch the database);
// PULS_TEST_STORE=sqlite or =postgres runs that store alone. docs/postgres.md, "Tests".

/**
 * Files that run once, in the SQLite run: they never open the service's database, or they start
 * the PostgreSQL cluster they need themselves (and test both stores in one run). Every other file,
 * new ones included, runs on both stores.
 */
const ONCE: Record<string, string> = {
  'test/collector-limits.test.ts': 'pure: the per-client limit in memory',
  'test/config.test.ts': 'pure: reading the environment',
  'test/i18n.test.ts': 'pure: messages and language negotiation',
  'test/kept-json.test.ts': 'pure: JSON parsed once per text',
  'test/mail-retry.test.ts': 'pure: the retry schedule',
  'test/migrations-generated.test.ts': 'runs drizzle-kit on both migration folders itself',
  'test/retention-cut.test.ts': 'pure: the retention cut dates',
  'test/backup.test.ts': 'the SQLite backup API; on PostgreSQL the command only points at pg_dump',
  'test/transactions.test.ts': 'the SQLite store (PostgreSQL: postgres-store, postgres-group-commit)',
  'test/system-package.test.ts': 'the helper that finds Debian packages',
  'test/store-types.test.ts': 'compares the table files of both stores',
  'test/postgres-cluster.test.ts': 'starts its own cluster',
  'test/postgres-store.test.ts': 'starts its own cluster',
  'test/postgres-group-commit.test.ts': 'starts its own cluster',
  'test/instances.test.ts': 'starts its own cluster (two server processes on it)',
  'test/postgres-anonymity.test.ts': 'starts its own cluster and compares both stores',
  'test/copy-to.test.ts': 'copies a SQLite file into its own cluster',
  'test/results/cell-key.test.ts': 'compares the combo key SQL of both dialects itself',
  'test/results/lattice.test.ts': 'pure: the attribute lattice',
  'test/results/metrics.test.ts': 'pure: the metrics',
  'test/results/suppression.test.ts': 'pure: suppression'
}

type Store = 'sqlite' | 'postgres'
type Counts = Record<string, number>

const root = join(import.meta.dirname, '..')

/** Every test file under test/, as tap's include in .taprc finds them. */
function testFiles (dir = join(root, 'test')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return testFiles(path)
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : []
  }).sort()
}

/** One tap run; its output passes through, its summary line is relabelled and read. */
function tap (store: Store, files: string[]): Promise<{ status: number, counts?: Counts }> {
  const env = { ...process.env, PULS_TEST_STORE: store }
  process.stdout.write(`# npm test: ${files.length} test files on ${store}\n`)
  const child = spawn(join(root, 'node_modules/.bin/tap'), files, {
    cwd: root, env, stdio: ['inherit', 'pipe', 'inherit']
  })
  let counts: Counts | undefined
  let rest = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) process.stdout.write(relabel(line) + '\n')
  })
  return new Promise(resolve => {
    child.on('close', (code, signal) => {
      if (rest !== '') process.stdout.write(relabel(rest) + '\n')
      resolve({ status: code ?? (signal === null ? 1 : 128), counts })
    })
  })

  function relabel (line: string): string {
    const summary = /^# \{ (total: \d+.*) \}$/.exec(line)
    if (summary === null) return line
    counts = Object.fromEntries(summary[1]!.split(', ').map(part => {
      const [key, value] = part.split(': ')
      return [key!, Number(value)]
    }))
    return `# ${store} { ${summary[1]} }`
  }
}

async function main (): Promise<number> {
  const args = process.argv.slice(2)
  const files = args.length > 0 ? args.map(file => relative(root, join(process.cwd(), file))) : testFiles()
  const only = process.env.PULS_TEST_STORE
  const stores: Store[] = only === 'sqlite' || only === 'postgres' ? [only] : ['sqlite', 'postgres']
  const total: Counts = {}
  let status = 0
  for (const store of stores) {
    const run = store === 'sqlite' ? files : files.filter(file => ONCE[file] === undefined)
    if (run.length === 0) continue
    const result = await tap(store, run)
    if (result.status !== 0) status = result.status
    // A run without a summary (tap itself failed) counts as one failure.
    for (const [key, n] of Object.entries(result.counts ?? { total: 1, fail: 1 })) total[key] = (total[key] ?? 0) + n
  }
  const line = Object.entries(total).map(([key, n]) => `${key}: ${n}`).join(', ')
  process.stdout.write(`# { ${line} }\n`)
  return status
}

process.exitCode = await main()
