import { and, asc, eq } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { byteOrder, tables } from '../db/dialect.js'
import type { SurveyRow } from '../surveys/tables.js'
import type { ItemTargetRow } from './tables.js'

// Item targets (docs/integrations.md, "Targets"); metric targets live in service.ts as before.

// Lists in byte order of their text keys on both stores (src/db/dialect.ts byteOrder).
export async function itemTargetsOf (db: DbOrTx, scope: string): Promise<ItemTargetRow[]> {
  const { itemTargets } = tables(db)
  return await db.select().from(itemTargets).where(eq(itemTargets.scope, scope))
    .orderBy(asc(byteOrder(db, itemTargets.item)))
}

export async function allItemTargets (db: DbOrTx): Promise<ItemTargetRow[]> {
  const { itemTargets } = tables(db)
  return await db.select().from(itemTargets)
    .orderBy(asc(byteOrder(db, itemTargets.scope)), asc(byteOrder(db, itemTargets.item)))
}

export async function upsertItemTarget (db: DbOrTx, row: ItemTargetRow): Promise<ItemTargetRow> {
  const { itemTargets } = tables(db)
  const { measure, value, updatedAt } = row
  const [saved] = await db.insert(itemTargets).values(row)
    .onConflictDoUpdate({ target: [itemTargets.scope, itemTargets.item], set: { measure, value, updatedAt } })
    .returning()
  return saved!
}

export async function deleteItemTarget (db: DbOrTx, scope: string, item: string): Promise<ItemTargetRow | undefined> {
  const { itemTargets } = tables(db)
  const [row] = await db.delete(itemTargets).where(and(eq(itemTargets.scope, scope), eq(itemTargets.item, item)))
    .returning()
  return row
}

/** Every survey of a team, oldest first. */
export async function surveysOfTeam (db: DbOrTx, team: string): Promise<SurveyRow[]> {
  const { surveys } = tables(db)
  return await db.select().from(surveys).where(eq(surveys.team, team))
    .orderBy(asc(surveys.createdAt), asc(byteOrder(db, surveys.id)))
}
