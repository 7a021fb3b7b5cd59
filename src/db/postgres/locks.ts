// Advisory lock keys (docs/postgres.md, "Several instances"), fixed here so that no two uses
// share one. PostgreSQL's two-number form keeps them apart from other applications' locks on the
// same database: the first number says "Puls", the second what is held.
export const LOCK_SPACE = 0x50554c53 // 'PULS'

/** Applying migrations at start-up: instances starting together migrate once. */
export const MIGRATIONS_LOCK = 1

/**
 * Every write transaction and group-commit batch of every instance holds it until COMMIT: the
 * writers of all instances take turns as SQLite's one writer does (docs/postgres.md, "Transactions").
 */
export const WRITERS_LOCK = 2

/** The background jobs that run once per period across instances (`store.exclusive`). */
export const JOB_LOCKS = {
  sweep: 101,
  retention: 102,
  reminders: 103,
  'decide-ahead': 104,
  seal: 105,
  'webhook-watch': 106,
  'audit-retention': 107,
  'forget-clients': 108
} as const

export type JobName = keyof typeof JOB_LOCKS
