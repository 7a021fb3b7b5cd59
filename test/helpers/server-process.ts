import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'

// The real server process (src/server.ts, as `npm start` runs it, through tsx) on a free port
// and a given data folder, for the tests that signal or kill it.

export const DEADLINE_MS = 60_000

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams
  port: number
  base: string
  /** Every complete line it printed on stdout (JSON log lines). */
  lines: string[]
  /** Resolves with the `nth` log line that `match` accepts, or rejects after DEADLINE_MS. */
  waitForLine: (match: (line: Record<string, any>) => boolean, nth?: number) => Promise<Record<string, any>>
  exited: Promise<{ code: number | null; signal: string | null }>
  stderr: () => string
}

interface Tap {
  teardown: (fn: () => unknown) => void
}

export async function startServer (
  t: Tap,
  opts: { dataDir: string; env?: Record<string, string> }
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      PULS_DATA_DIR: opts.dataDir,
      LOG_LEVEL: 'info',
      ...opts.env
    },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>(resolve =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  )
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const lines: string[] = []
  const listeners = new Set<() => void>()
  let partial = ''
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n')
    partial = parts.pop()!
    lines.push(...parts)
    for (const listener of [...listeners]) listener()
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })

  const waitForLine = (match: (l: Record<string, any>) => boolean, nth = 1): Promise<Record<string, any>> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = lines
          .flatMap(line => {
            try {
              return [JSON.parse(line) as Record<string, any>]
            } catch {
              return []
            }
          })
          .filter(match)
        if (found.length < nth) return false
        listeners.delete(check)
        clearTimeout(timer)
        resolve(found[nth - 1]!)
        return true
      }
      const timer = setTimeout(() => {
        listeners.delete(check)
        reject(new Error(`no such log line within ${DEADLINE_MS} ms:\n${lines.join('\n')}\n${stderr}`))
      }, DEADLINE_MS)
      if (!check()) listeners.add(check)
    })

  const listening = await Promise.race([
    waitForLine(l => /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l.msg)),
    exited.then(e => {
      throw new Error(`the server exited (${e.code ?? e.signal}) before listening:\n${stderr}`)
    })
  ])
  const port = Number(/:(\d+)$/.exec(listening.msg)![1])
  return { child, port, base: `http://127.0.0.1:${port}`, lines, waitForLine, exited, stderr: () => stderr }
}

/** The promise's value, or `fallback` once `ms` have passed. */
export async function within<T> (promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<T>(resolve => {
    timer = setTimeout(() => resolve(fallback), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}
