import { runCli, type CliIo } from '../../src/cli.js'

/** What a CLI run printed, and its exit code. */
export interface CliRun { code: number, out: string[], err: string[] }

/**
 * Runs the CLI in-process on the database of an app built by build(t) (its data folder, or its
 * PostgreSQL database when the tests run there), with `env` on top. Prints to `io` when given.
 */
export async function cliOn (
  app: { dataDir: string, config: { postgres?: { url: string } | undefined } },
  args: string[],
  env: Record<string, string> = {},
  io?: CliIo
): Promise<CliRun> {
  const out: string[] = []
  const err: string[] = []
  const url = app.config.postgres?.url
  const base: Record<string, string> = { PULS_DATA_DIR: app.dataDir }
  if (url !== undefined) base.DATABASE_URL = url
  // Test clusters run without fsync (test/helpers/postgres.ts); the start-up check would refuse them.
  const code = await runCli(args, { ...base, ...env }, io ?? { out: l => out.push(l), err: l => err.push(l) }, {
    unsafeSkipDurabilityChecks: url !== undefined
  })
  return { code, out, err }
}
