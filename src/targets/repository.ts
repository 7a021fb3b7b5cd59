import { and, asc, eq } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { surveys, type SurveyRow } from '../surveys/tables.js'
import { itemTargets, type ItemTargetRow } from './tables.js'

// Item targets (docs/integrations.md, "Targets"); metric targets live in service.ts as before.

export function findItemTarget (db: DbOrTx, scope: string, item: string): ItemTargetRow | undefined {
  return db.select().from(itemTargets).where(and(eq(itemTargets.scope, scope), eq(itemTargets.item, item))).get()
}

export function itemTargetsOf (db: DbOrTx, scope: string): ItemTargetRow[] {
  return db.select().from(itemTargets).where(eq(itemTargets.scope, scope)).orderBy(asc(itemTargets.item)).all()
}

export function allItemTargets (db: DbOrTx): ItemTargetRow[] {
  return db.select().from(itemTargets).orderBy(asc(itemTargets.scope), asc(itemTargets.item)).all()
}

export function upsertItemTarget (db: DbOrTx, row: ItemTargetRow): ItemTargetRow {
  const { measure, value, updatedAt } = row
  return db.insert(itemTargets).values(row)
    .onConflictDoUpdate({ target: [itemTargets.scope, itemTargets.item], set: { measure, value, updatedAt } })
    .returning().get()
}

export function deleteItemTarget (db: DbOrTx, scope: string, item: string): ItemTargetRow | undefined {
  return db.delete(itemTargets).where(and(eq(itemTargets.scope, scope), eq(itemTargets.item, item)))
    .returning().get()
}

/** Every survey of a team, oldest first. */
export function surveysOfTeam (db: DbOrTx, team: string): SurveyRow[] {
  return db.select().from(surveys).where(eq(surveys.team, team)).orderBy(asc(surveys.createdAt), asc(surveys.id)).all()
}
