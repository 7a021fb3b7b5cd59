import { setImmediate as nextTurn } from 'node:timers/promises'
import type { DbOrTx } from '../../db/client.js'
import { coarsenToDay } from '../../responses/coarsen.js'
import { SCALES } from '../../surveys/defaults.js'
import { monthCells, monthDecided } from './attributes.js'
import { type DecidedMonths, KEPT_DECISIONS } from './decided-months.js'
import { releaseMonths } from './months.js'
import { ITEM_PREFIX } from './item-values.js'
import { releaseBlocks } from './periods.js'
import * as repo from '../storage/repository.js'

// Deciding complete months ahead of the questions (BENCHMARKS.md). A complete month never changes, so
// its lattice can be decided before anyone asks: after start-up (the kept decisions are in memory
// and a restart loses them) and whenever a month completes, the maintenance job decides each
// complete month for the attribute sets questions most likely ask, and the first question on
// them then only adds up kept cells (milliseconds) instead of deciding every month (up to a second
// at 100k answers). It calls the very function questions call (monthCells), with the attribute
// sets in name order as questions use them, so what it keeps is what a question would decide.

/** Attributes considered per survey: the ones most answers carry. */
export const AHEAD_ATTRIBUTES = 4
/** Yes/no and choice items per survey decided ahead, each on its own (a filter or a grouping by it). */
export const AHEAD_ITEMS = 2
/** Attributes per question decided ahead: up to two filters and a grouping. */
export const AHEAD_SET_SIZE = 3
/** Decisions per run at most, well below what is kept, so a run does not push out its own work. */
export const AHEAD_BUDGET = Math.floor(KEPT_DECISIONS / 2)

/**
 * The attribute sets questions about up to `size` of `attributes` are decided on: every subset,
 * in name order (attributes.ts decides a set once, whichever of its members a question groups by).
 * Four attributes give 4 + 6 + 4 = 14 key lists.
 */
export function questionKeyLists (attributes: readonly string[], size: number): string[][] {
  const sorted = [...attributes].sort()
  const lists: string[][] = []
  const subsets = (from: number, chosen: string[]): void => {
    if (chosen.length > 0) lists.push(chosen)
    if (chosen.length === size) return
    for (let i = from; i < sorted.length; i++) subsets(i + 1, [...chosen, sorted[i]!])
  }
  subsets(0, [])
  return lists
}

/**
 * Decides every complete month of every survey with attributes, newest month first, for the key
 * lists of its AHEAD_ATTRIBUTES most carried attributes (and, for a survey with items, none and
 * each of its AHEAD_ITEMS most carried yes/no or choice items), skipping what is kept already, at
 * most AHEAD_BUDGET decisions (the rest, `deferred`, the next run makes). Yields to the event loop
 * after each decision (one month's lattice for one key list: tens of milliseconds at a million
 * answers), so requests wait at most that long. `kept` is the app's (src/results/plugin.ts).
 */
export async function decideAhead (
  db: DbOrTx, kept: DecidedMonths, now: Date
): Promise<{ decided: number, deferred: number }> {
  const today = coarsenToDay(now)
  let decided = 0
  let deferred = 0
  for (const survey of await repo.surveysWithAttributes(db)) {
    const scale = SCALES[survey.metric]
    const min = survey.minGroupSize
    const ranked = await repo.keysByUse(db, survey.id)
    const asked = new Set(survey.items.filter(i => !i.retired).map(i => `${ITEM_PREFIX}${i.key}`))
    // Item results of whole-survey and team questions are decided on no attribute at all; a
    // question by an item's answer ("CSAT of cases not solved at first contact") on that item.
    const lists = [
      ...(survey.items.length > 0 ? [[]] : []),
      ...ranked.items.filter(key => asked.has(key)).slice(0, AHEAD_ITEMS).map(key => [key]),
      ...questionKeyLists(ranked.attributes.slice(0, AHEAD_ATTRIBUTES), AHEAD_SET_SIZE)
    ]
    const complete = releaseMonths(releaseBlocks(await repo.answeredDays(db, survey.id), min, today), today).reverse()
    // Ranking the attributes reads the survey's whole combination rollup: a turn of its own.
    await nextTurn()
    for (const month of complete) {
      for (const keys of lists) {
        if (monthDecided(kept, survey.id, keys, month, min, scale)) continue
        if (decided >= AHEAD_BUDGET) {
          deferred++
          continue
        }
        await monthCells(db, kept, survey.id, keys, month, min, scale)
        decided++
        await nextTurn()
      }
    }
  }
  return { decided, deferred }
}
