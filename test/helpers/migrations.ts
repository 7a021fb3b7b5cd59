import { readFileSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import type { Db } from '../../src/db/client.js'

// How a test takes a database back to before a migration: drizzle applies only the migrations
// newer than the newest applied one, so undoing one means undoing every later one too. Each new
// migration adds its undo statements here (newest last); the migration tests then keep working.
const UNDO: Array<[prefix: string, statements: string[]]> = [
  ['0013_', ['ALTER TABLE responses DROP COLUMN items', 'ALTER TABLE surveys DROP COLUMN items']],
  [
    '0014_',
    [
      'DROP TABLE collector_clients',
      'DROP TABLE collector_client_days',
      'ALTER TABLE response_combos DROP COLUMN invited',
      'ALTER TABLE collectors DROP COLUMN release',
      'ALTER TABLE response_counts DROP COLUMN comments',
      'ALTER TABLE response_counts DROP COLUMN invited_comments'
    ]
  ],
  [
    '0015_',
    ['DROP TABLE audit_events', 'ALTER TABLE api_keys DROP COLUMN teams', 'ALTER TABLE api_keys DROP COLUMN role']
  ],
  [
    '0016_',
    [
      'DROP TABLE targets',
      'DROP TABLE webhook_subscriptions',
      'DROP TABLE webhook_deliveries',
      'DROP TABLE webhook_attempts',
      'DROP TABLE webhook_watch'
    ]
  ],
  ['0017_', ['DROP TABLE response_item_counts']],
  ['0018_', ['ALTER TABLE outbox DROP COLUMN token']],
  ['0019_', ['DROP TABLE item_targets']],
  [
    '0020_',
    [
      `INSERT INTO response_item_counts (survey_id, month, combo, item, value, n, invited)
        SELECT c.survey_id, c.month, c.combo, c.item, '', sum(c.n), sum(c.invited) FROM response_item_counts c
        WHERE EXISTS (SELECT 1 FROM surveys s, json_each(s.items) i WHERE s.id = c.survey_id
          AND json_extract(i.value, '$.key') = c.item
          AND json_extract(i.value, '$.type') IN ('yes_no', 'rating', 'choice'))
        GROUP BY c.survey_id, c.month, c.combo, c.item`
    ]
  ],
  [
    '0021_',
    [
      `INSERT INTO response_item_counts (survey_id, month, combo, item, value, n, invited)
        SELECT c.survey_id, c.month, c.combo, json_extract(i.value, '$.key'),
          json_extract(c.combo, '$."item.' || json_extract(i.value, '$.key') || '"'), sum(c.n), sum(c.invited)
        FROM response_combo_scores c JOIN surveys s ON s.id = c.survey_id, json_each(s.items) i
        WHERE json_extract(i.value, '$.type') IN ('yes_no', 'choice')
          AND json_extract(c.combo, '$."item.' || json_extract(i.value, '$.key') || '"') IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5`
    ]
  ]
]

interface Journal {
  entries: Array<{ tag: string; when: number }>
}

function journal (): Journal {
  return JSON.parse(readFileSync(new URL('../../db/migrations/meta/_journal.json', import.meta.url), 'utf8')) as Journal
}

/** When the migration whose tag starts with `prefix` was made (its row in __drizzle_migrations). */
export function migrationTime (prefix: string): number {
  return journal().entries.find(e => e.tag.startsWith(prefix))!.when
}

/**
 * Undoes every migration from `prefix` on that has undo statements, newest first, and forgets them
 * all. `except` skips the undo of migrations the caller takes back itself (their rows are still
 * forgotten). Fails when a migration from `prefix` on has no undo statements here.
 */
export function undoMigrationsFrom (db: Db, prefix: string, except: string[] = []): void {
  const from = migrationTime(prefix)
  const later = journal().entries.filter(e => e.when >= from)
  for (const entry of [...later].reverse()) {
    const undo = UNDO.find(([p]) => entry.tag.startsWith(p))
    if (undo === undefined && !except.some(p => entry.tag.startsWith(p))) {
      throw new Error(`no undo statements for migration ${entry.tag} in test/helpers/migrations.ts`)
    }
    if (undo === undefined || except.some(p => entry.tag.startsWith(p))) continue
    for (const statement of [...undo[1]].reverse()) {
      // A table the caller rebuilt by hand may lack a later migration's column already.
      const drop = /^ALTER TABLE (\w+) DROP COLUMN (\w+)$/.exec(statement)
      if (
        drop !== null &&
        db.all(sql.raw(`SELECT 1 FROM pragma_table_info('${drop[1]}') WHERE name = '${drop[2]}'`)).length === 0
      ) { continue }
      db.run(sql.raw(statement))
    }
  }
  db.run(sql.raw(`DELETE FROM __drizzle_migrations WHERE created_at >= ${from}`))
}
