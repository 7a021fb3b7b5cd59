import { type Block, bucketEnd, type Release } from './periods.js'

// The time grid of questions about attributes (filters, group_by): release months. A release
// block belongs to the month it starts in, so each month is a run of whole blocks, and the
// whole-survey numbers of a month are exactly what whole-survey questions already show. A month
// is released for attribute questions only once it is complete, and then it never changes: its
// cells can be read at any time, in any combination, and differ by nothing.

export interface ReleaseMonth {
  /** YYYY-MM */
  month: string
  /** The days its blocks cover: from the first block's first day to the last block's last day. */
  from: string
  to: string
  blocks: Block[]
  n: number
}

/**
 * The complete release months: every block starting in the month is closed and no later block can
 * start in it, i.e. the month has ended before `today` and the open block (if any) starts after
 * it. Incomplete months are always the last ones. Months without a block are left out.
 */
export function releaseMonths (release: Pick<Release, 'blocks' | 'openFrom'>, today: string): ReleaseMonth[] {
  const months: ReleaseMonth[] = []
  for (const b of release.blocks) {
    const month = b.from.slice(0, 7)
    const last = months.at(-1)
    if (last !== undefined && last.month === month) {
      last.to = b.to
      last.blocks.push(b)
      last.n += b.n
    } else {
      months.push({ month, from: b.from, to: b.to, blocks: [b], n: b.n })
    }
  }
  return months.filter(m => {
    const end = bucketEnd(`${m.month}-01`, 'month')
    return end < today && (release.openFrom === null || release.openFrom > end)
  })
}

/** The months a requested period touches, widened to whole months. */
export function monthsInPeriod (months: readonly ReleaseMonth[], from?: string, to?: string): ReleaseMonth[] {
  return months.filter(m =>
    (from === undefined || m.month >= from.slice(0, 7)) && (to === undefined || m.month <= to.slice(0, 7)))
}
