import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import t from 'tap'
import { projectRoot } from '../src/paths.js'
import { API_KEY, build } from './helpers/build.js'
import { processStore } from './helpers/process-store.js'
import { count, createSurvey, linkToken, rows } from './helpers/puls.js'

// Three more service processes on the same database (the SQLite file, or on PostgreSQL a database
// of a durable cluster, test/helpers/process-store.ts): real parallel writers, each with its own
// connection, as when several instances serve one database.
const PROCESSES = 3
const SUBMITS = 20

async function startServer (
  t: { teardown: (fn: () => unknown) => void }, dataDir: string, storeEnv: Record<string, string>
): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      PULS_DATA_DIR: dataDir,
      PULS_API_KEY: API_KEY,
      LOG_LEVEL: 'info',
      ...storeEnv
    },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => {
    child.kill('SIGTERM')
  })
  const lines = createInterface({ input: child.stdout! })
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 60 s')), 60_000)
    child.once('exit', code => reject(new Error(`server exited with ${String(code)}`)))
    lines.on('line', line => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)
      if (m !== null) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
  })
}

t.test(
  `${SUBMITS} concurrent submits of one token over ${PROCESSES + 1} processes: exactly one is accepted`,
  async t => {
    const dataDir = t.testdir()
    const { env } = await processStore(t, dataDir)
    const app = await build(t, { dataDir, env })
    const survey = await createSurvey(app)
    const token = await linkToken(app, survey.id, { attributes: { site: 'oslo' } })
    const bases = [
      await app.listen({ port: 0, host: '127.0.0.1' }),
      ...(await Promise.all(Array.from({ length: PROCESSES }, () => startServer(t, dataDir, env))))
    ]

    const results = await Promise.all(
      Array.from({ length: SUBMITS }, (_, i) =>
        fetch(`${bases[i % bases.length]}/s/${token}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ score: 1 + (i % 5), comment: `attempt ${i}` }),
          signal: AbortSignal.timeout(30_000)
        }).then(async r => ({ status: r.status, body: (await r.json()) as { code?: string } }))
      )
    )

    const statuses = results.map(r => r.status)
    t.equal(statuses.filter(s => s === 201).length, 1, `one accepted: ${statuses.join(' ')}`)
    t.equal(statuses.filter(s => s === 409).length, SUBMITS - 1, 'every other one: already answered')
    t.ok(results.filter(r => r.status === 409).every(r => r.body.code === 'already_answered'))
    t.equal(await count(app, 'responses'), 1, 'one response stored')
    t.same(await rows(app, 'SELECT status, attributes FROM invitations'), [{ status: 'answered', attributes: null }])
    t.same(
      (await rows<{ attributes: string }>(app, 'SELECT attributes FROM responses')).map(r => JSON.parse(r.attributes)),
      [{ site: 'oslo' }]
    )
  }
)
