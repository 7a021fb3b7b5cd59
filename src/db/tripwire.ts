import type { Logger } from 'drizzle-orm'

/**
 * Thrown when a transaction (or a group-commit batch) was still open when the event loop turned:
 * its function awaited something other than the database (a timer, a fetch, a file). On SQLite
 * one connection serves every request, so such a transaction would take in the queries of
 * whatever request ran meanwhile (docs/postgres.md, "One set of repositories, two stores").
 */
export class TripwireError extends Error {
  constructor () {
    super('a transaction awaited something other than the database; it was rolled back')
    this.name = 'TripwireError'
  }
}

/**
 * The one SQLite connection, shared by every transaction and group-commit batch of the process:
 * they take turns (`serial`), each must end before the event loop turns (`tripwire`), and while a
 * tripped function still runs, the connection refuses its queries (`logger`), so that nothing it
 * writes after the rollback lands outside a transaction or in another one.
 */
export interface Connection {
  /** Runs `work` once every earlier transaction or batch of the process has ended; one at a time. */
  serial: <T>(work: () => Promise<T>) => Promise<T>
  /**
   * Arms the tripwire for a transaction that has just begun: `trip` runs (and should roll back)
   * if the event loop turns before `disarm` is called. `disarm` (idempotent) says whether it tripped.
   */
  tripwire: (trip: () => void) => { disarm: () => boolean }
  /** Passed to drizzle: refuses every query while a tripped function is still running. */
  logger: Logger
}

// Shared by every connection of the process, not kept per connection: two connections to one
// file in one process (tests that play two instances) would otherwise deadlock, the second's
// BEGIN IMMEDIATE waiting (synchronously, busy_timeout) for a lock that the first, on the same
// thread, can only release once that wait is over. One connection per process: no difference.
let tail: Promise<unknown> = Promise.resolve()

export function connection (): Connection {
  let refusing = 0
  return {
    serial: work => {
      const run = tail.then(work)
      tail = run.then(() => undefined, () => undefined)
      return run
    },
    tripwire: trip => {
      let tripped = false
      let disarmed = false
      const wire = setImmediate(() => {
        tripped = true
        refusing++
        trip()
      })
      return {
        // Called once the function has settled: from then on its queries are its caller's.
        disarm: () => {
          clearImmediate(wire)
          if (tripped && !disarmed) refusing--
          disarmed = true
          return tripped
        }
      }
    },
    logger: {
      logQuery: () => {
        if (refusing > 0) throw new TripwireError()
      }
    }
  }
}
