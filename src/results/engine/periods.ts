// Time as results see it: answers are released in blocks, and blocks fall into calendar buckets.

export type Interval = 'day' | 'week' | 'month'

/**
 * One day's answers (or comments) as release blocks count them: all of them, those that came
 * through an invitation (email or link), and the distinct clients of those that came through
 * collectors (src/collectors/clients.ts). Without the last two, every answer counts alike.
 */
export type DayCount = readonly [day: string, n: number, invited?: number, clients?: number]

/** Consecutive answered days that together hold at least the minimum number of answers. */
export interface Block {
  from: string
  to: string
  n: number
}

/** Why the answers of the open block (or today's) are not released yet (docs/anonymity.md). */
export type PendingReason = 'today' | 'answers' | 'invited' | 'people'

export interface Release {
  blocks: Block[]
  /** Answers not released yet: today's, and those of the open block after the last one. */
  pending: number
  /** The first day of the open block (answered days before today not in a block yet), or null. */
  openFrom: string | null
  /** What the pending answers wait for, in this order: today's end, more answers, invited, people. */
  waiting: PendingReason[]
}

interface Open { n: number, invited: number, clients: number, counted: boolean }

/**
 * What a block still lacks before it may close, none when it may: at least `min` answers, and per
 * channel none or enough: invitation answers at least `min`, collector answers from at least `min`
 * distinct clients. So answers someone adds through a collector (a reader padding a small group)
 * never release an invited person's answer, and one client's many answers count as one person
 * (docs/anonymity.md, "Readers who can also answer (padding)").
 */
export function lacking (open: Open, min: number): PendingReason[] {
  const out: PendingReason[] = []
  if (open.n < min) out.push('answers')
  if (!open.counted) return out
  if (open.invited > 0 && open.invited < min) out.push('invited')
  if (open.n > open.invited && open.clients < min) out.push('people')
  return out
}

/** A block being walked, from its days (src/retention/cut.ts walks the same way). */
export function openBlock (): Open {
  return { n: 0, invited: 0, clients: 0, counted: false }
}

export function addDay (open: Open, [, n, invited, clients]: DayCount): void {
  open.n += n
  if (invited === undefined) {
    // Plain counts: as if every answer came through an invitation.
    open.invited += n
    return
  }
  open.counted = true
  open.invited += invited
  open.clients += clients ?? 0
}

/**
 * Cuts a survey's answered days (ascending, before and including today) into release blocks:
 * walking from the first day, a block closes at the end of the first day on which it holds what
 * `lacking` asks. Only days before `today` count, since today's answers are still arriving.
 * Past days never change, so past blocks never change either, and any two results over whole
 * blocks differ by whole blocks: by at least `min` answers, never by a few (docs/anonymity.md, over time).
 */
export function releaseBlocks (days: readonly DayCount[], min: number, today: string): Release {
  const blocks: Block[] = []
  let open: (Block & { state: Open }) | null = null
  let pending = 0
  for (const d of days) {
    const [day, n] = d
    if (n === 0) continue
    if (day >= today) {
      pending += n
      continue
    }
    open ??= { from: day, to: day, n: 0, state: openBlock() }
    open.to = day
    open.n += n
    addDay(open.state, d)
    if (lacking(open.state, min).length === 0) {
      blocks.push({ from: open.from, to: open.to, n: open.n })
      open = null
    }
  }
  const waiting: PendingReason[] = pending > 0 ? ['today'] : []
  if (open !== null) waiting.push(...lacking(open.state, min))
  return { blocks, pending: pending + (open?.n ?? 0), openFrom: open?.from ?? null, waiting }
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
  let monday = mondays.get(day)
  if (monday === undefined) {
    const d = toDate(day)
    const sinceMonday = (d.getUTCDay() + 6) % 7
    monday = toDay(new Date(d.getTime() - sinceMonday * DAY_MS))
    if (mondays.size >= 10_000) mondays.clear()
    mondays.set(day, monday)
  }
  return monday
}

// A weekly series asks for the Monday of every (day, score) row it reads, thousands a question;
// making a Date and its ISO string for each was most of what it cost over the whole-survey
// question (BENCHMARKS.md). Days are few (a few years' worth), so their Mondays are kept.
const mondays = new Map<string, string>()

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
