import type { MonthCells, MonthRollup } from './attributes.js'

/** How many months are kept at most, of each kind: deciding ahead stays well below, not to push out what it made. */
export const KEPT_DECISIONS = 2000

/**
 * What is read and decided for complete months, kept: a complete month never changes
 * (months.ts), so its rollup per survey and its decisions per survey, minimum and attributes can
 * be reused by every later question (docs/results.md). The keys (attributes.ts) hold the month's
 * days and answer count, which guards against answers added to past days by other means than
 * answering (imports, tests); a retention purge removes whole months, which are then never asked
 * for again. Bounded, oldest first out. One per app, owned by the results plugin (../plugin.ts),
 * which empties it when the app closes.
 */
export class DecidedMonths {
  private readonly rollups = new Map<string, MonthRollup>()
  private readonly decided = new Map<string, MonthCells>()

  async rollup (key: string, read: () => Promise<MonthRollup>): Promise<MonthRollup> {
    return await remember(this.rollups, key, read)
  }

  async cells (key: string, decide: () => Promise<MonthCells>): Promise<MonthCells> {
    return await remember(this.decided, key, decide)
  }

  /** Whether the cells under `key` are kept already (cells() would not decide them). */
  decidedAlready (key: string): boolean {
    return this.decided.has(key)
  }

  clear (): void {
    this.rollups.clear()
    this.decided.clear()
  }
}

// Two questions that ask for the same month meanwhile both make it: the same value, kept once.
async function remember<T> (kept: Map<string, T>, key: string, make: () => Promise<T>): Promise<T> {
  let hit = kept.get(key)
  if (hit === undefined) {
    hit = await make()
    if (kept.size >= KEPT_DECISIONS) kept.delete(kept.keys().next().value!)
    kept.set(key, hit)
  }
  return hit
}
