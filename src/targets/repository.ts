import { and, asc, eq } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { surveys, type SurveyRow } from '../surveys/tables.js'
import { itemTargets, type ItemTargetRow } from './tables.js'

// Item targets (docs/integrations.md, "Targets"); metric targets live in service.ts as before.

/**
 * @deprecated Transitional, like findTargetSync in service.ts: the item target statuses, which the
 * synchronous results (src/results) call, read it synchronously until they are async.
 */
export function itemTargetsOfSync (db: DbOrTx, scope: string): ItemTargetRow[] {
  return db.select().from(itemTargets).where(eq(itemTargets.scope, scope)).orderBy(asc(itemTargets.item)).all()
}

export async function allItemTargets (db: DbOrTx): Promise<ItemTargetRow[]> {
  return await db.select().from(itemTargets).orderBy(asc(itemTargets.scope), asc(itemTargets.item))
}

export async function upsertItemTarget (db: DbOrTx, row: ItemTargetRow): Promise<ItemTargetRow> {
  const { measure, value, updatedAt } = row
  const [saved] = await db.insert(itemTargets).values(row)
    .onConflictDoUpdate({ target: [itemTargets.scope, itemTargets.item], set: { measure, value, updatedAt } })
    .returning()
  return saved!
}

export async function deleteItemTarget (db: DbOrTx, scope: string, item: string): Promise<ItemTargetRow | undefined> {
  const [row] = await db.delete(itemTargets).where(and(eq(itemTargets.scope, scope), eq(itemTargets.item, item)))
    .returning()
  return row
}

/** Every survey of a team, oldest first. */
export async function surveysOfTeam (db: DbOrTx, team: string): Promise<SurveyRow[]> {
  return await db.select().from(surveys).where(eq(surveys.team, team)).orderBy(asc(surveys.createdAt), asc(surveys.id))
}
