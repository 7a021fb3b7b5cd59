import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'
import { startPostgres } from '../test/helpers/postgres.js'

// BENCH_DATABASE=postgres: the bench's service on a throwaway PostgreSQL cluster of Debian's server
// binaries, started as the tests start theirs (test/helpers/postgres.ts) but durable: fsync,
// synchronous_commit and full_page_writes at the server's defaults (on), as Puls requires of a
// real server (docs/postgres.md). Figures without fsync would measure a store nobody may run.

export interface BenchPostgres {
  /** DATABASE_URL for the service. */
  url: string
  /** The postmaster's pid: the cluster's CPU is its own and its children's (`clusterCpuMicros`). */
  pid: number
  /** Server settings the figures depend on, as the server reports them. */
  settings: string
  stop: () => Promise<void>
}

/**
 * Room for two instances' pools (DATABASE_POOL_SIZE, default 10, each) and the bench's seeding, and
 * PostgreSQL's default shared_buffers (128 MB) rather than the tests' 16 MB, so that a million
 * answers' tables and indexes stay in its cache.
 */
const SETTINGS = { shared_buffers: '128MB', max_connections: '60' }

export async function startBenchPostgres (): Promise<BenchPostgres> {
  const teardowns: Array<() => void | Promise<void>> = []
  // The part of a tap test startPostgres uses: the cluster's end is the bench's.
  const cluster = await startPostgres(
    { setTimeout: () => {}, teardown: fn => { teardowns.push(fn) } },
    { durable: true, settings: SETTINGS }
  )
  const client = new pg.Client({ connectionString: cluster.url })
  await client.connect()
  const { rows } = await client.query<{ name: string, setting: string, unit: string | null }>(
    `SELECT name, setting, unit FROM pg_settings WHERE name IN
      ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers')
     ORDER BY name`
  )
  await client.end()
  return {
    url: cluster.url,
    pid: cluster.pid,
    settings: rows.map(r => `${r.name}=${r.unit === '8kB' ? `${Number(r.setting) / 128} MB` : r.setting}`).join(', '),
    stop: async () => {
      for (const fn of teardowns) await fn()
    }
  }
}

const TICK_MICROS = 1e6 / 100 // USER_HZ: 100 on Linux

/** user + system CPU of `stat` fields after the command name; with its reaped children's when `reaped`. */
function ticks (stat: string, reaped: boolean): { ppid: number, ticks: number } {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // f[0] is field 3 (state): ppid is field 4, utime…cstime fields 14–17.
  const own = Number(f[11]) + Number(f[12])
  return { ppid: Number(f[1]), ticks: reaped ? own + Number(f[13]) + Number(f[14]) : own }
}

/**
 * CPU time of the whole cluster so far, in µs: the postmaster, its live processes (backends, the
 * WAL writer, the checkpointer…) and the ones it has reaped (their time is the postmaster's
 * `cutime`). 10 ms resolution: read it around rounds of many requests.
 */
export function clusterCpuMicros (postmaster: number): number {
  let total = ticks(readFileSync(`/proc/${postmaster}/stat`, 'utf8'), true).ticks
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === postmaster) continue
    try {
      const t = ticks(readFileSync(`/proc/${entry}/stat`, 'utf8'), false)
      if (t.ppid === postmaster) total += t.ticks
    } catch {
      // A process that ended meanwhile.
    }
  }
  return total * TICK_MICROS
}
