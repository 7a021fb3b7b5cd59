// Time as results see it: answers are released in blocks, and blocks fall into calendar buckets.

export type Interval = 'day' | 'week' | 'month'

/** Consecutive answered days that together hold at least the minimum number of answers. */
export interface Block {
  from: string
  to: string
  n: number
}

export interface Release {
  blocks: Block[]
  /** Answers not released yet: today's, and those of the open block after the last one. */
  pending: number
  /** The first day of the open block (answered days before today not in a block yet), or null. */
  openFrom: string | null
}

/**
 * Cuts a survey's answered days (ascending, before and including today) into release blocks:
 * walking from the first day, a block closes at the end of the first day on which it holds at
 * least `min` answers. Only days before `today` count, since today's answers are still arriving.
 * Past days never change, so past blocks never change either, and any two results over whole
 * blocks differ by whole blocks: by at least `min` answers, never by a few (docs/anonymity.md, over time).
 */
export function releaseBlocks (days: ReadonlyArray<readonly [string, number]>, min: number, today: string): Release {
  const blocks: Block[] = []
  let open: Block | null = null
  let pending = 0
  for (const [day, n] of days) {
    if (n === 0) continue
    if (day >= today) {
      pending += n
      continue
    }
    open ??= { from: day, to: day, n: 0 }
    open.to = day
    open.n += n
    if (open.n >= min) {
      blocks.push(open)
      open = null
    }
  }
  return { blocks, pending: pending + (open?.n ?? 0), openFrom: open?.from ?? null }
}

/**
 * The blocks a requested period touches, widened to whole blocks. Either end may be left open.
 * Returns indices [first, last] into `blocks`, or null when no released block is in the period.
 */
export function blocksInPeriod (blocks: readonly Block[], from?: string, to?: string): [number, number] | null {
  let first = -1
  let last = -1
  blocks.forEach((b, i) => {
    if ((from === undefined || b.to >= from) && (to === undefined || b.from <= to)) {
      if (first < 0) first = i
      last = i
    }
  })
  return first < 0 ? null : [first, last]
}

/** The blocks that lie wholly inside [from, to]: used to release comments in larger blocks. */
export function blocksWithin (blocks: readonly Block[], from: string, to: string): Block[] {
  return blocks.filter(b => b.from >= from && b.to <= to)
}

/** Index of the block holding `day` (blocks ascending and disjoint), or -1. */
export function blockOf (blocks: readonly Block[], day: string): number {
  let lo = 0
  let hi = blocks.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const b = blocks[mid]!
    if (day < b.from) hi = mid - 1
    else if (day > b.to) lo = mid + 1
    else return mid
  }
  return -1
}

const DAY_MS = 86_400_000
const toDate = (day: string): Date => new Date(`${day}T00:00:00Z`)
const toDay = (d: Date): string => d.toISOString().slice(0, 10)

/** The first day of the calendar bucket holding `day`: itself, its ISO week's Monday, or the 1st. */
export function bucketStart (day: string, interval: Interval): string {
  if (interval === 'day') return day
  if (interval === 'month') return `${day.slice(0, 7)}-01`
  const d = toDate(day)
  const sinceMonday = (d.getUTCDay() + 6) % 7
  return toDay(new Date(d.getTime() - sinceMonday * DAY_MS))
}

export function nextBucket (start: string, interval: Interval): string {
  const d = toDate(start)
  if (interval === 'day') return toDay(new Date(d.getTime() + DAY_MS))
  if (interval === 'week') return toDay(new Date(d.getTime() + 7 * DAY_MS))
  return toDay(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)))
}

/** Every bucket start from the bucket of `from` to the bucket of `to`, empty ones included. */
export function bucketStarts (from: string, to: string, interval: Interval, limit: number): string[] | null {
  const starts: string[] = []
  for (let s = bucketStart(from, interval); s <= to; s = nextBucket(s, interval)) {
    if (starts.length >= limit) return null
    starts.push(s)
  }
  return starts
}

/** The last day of the bucket starting at `start`. */
export function bucketEnd (start: string, interval: Interval): string {
  return toDay(new Date(toDate(nextBucket(start, interval)).getTime() - DAY_MS))
}
