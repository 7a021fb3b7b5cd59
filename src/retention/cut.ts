import { addDay, type DayCount, lacking, openBlock } from '../results/engine/periods.js'

/**
 * Where retention may cut a survey's answers: the latest day `cut` ≤ `cutoff` such that deleting
 * every answer of a day before `cut` leaves the release blocks of the answers that stay exactly
 * as they were, for every minimum the results cut blocks with (min_group_size for scores,
 * min_comment_group_size for comments; src/results/engine/periods.ts).
 *
 * Why: results release answers in blocks walked from the survey's first answered day, and rely on
 * past blocks never changing (docs/results.md, release blocks: two results differ by whole blocks). Deleting
 * the first days at an arbitrary day would restart the walk there and regroup every later day; a
 * result saved before the purge minus one taken after could then isolate fewer answers than the
 * minimum. So answers go in whole blocks: an answer older than the retention waits until its
 * block (in every walk) is old enough as a whole. Answers of the open block after the last
 * closed one were never released and may go at any day.
 *
 * Questions about attributes count whole release months (src/results/engine/months.ts: a block belongs
 * to the month it starts in) and a complete month must never change, since the difference of two
 * readings of one month cell would be a few answers of one agent. So the cut is also where a
 * month starts in the walk of `mins[0]` (min_group_size): a purge deletes whole months.
 *
 * `days` is the survey's answered days, ascending, with their answer counts (as results read
 * them, per channel); days from `today` on are still arriving and never in a block. The walks
 * after the first are of comments when `comments` (their days in the same form) is given, as
 * results cut comment blocks. Pure.
 */
export function retentionCut (
  days: readonly DayCount[], mins: readonly number[], cutoff: string, today: string, comments?: readonly DayCount[]
): string {
  const answered = days.filter(([day, n]) => n > 0 && day < today)
  const commentsOf = new Map((comments ?? []).map(d => [d[0], d]))
  // valid[k]: deleting answered[0..k-1] keeps every walk's remaining blocks.
  const valid = new Array<boolean>(answered.length + 1).fill(true)
  for (const [w, min] of mins.entries()) {
    let open = openBlock()
    let lastClose = -1
    let startMonth = ''
    const boundary = new Array<boolean>(answered.length + 1).fill(false)
    answered.forEach((answeredDay, i) => {
      const day = answeredDay[0]
      const d = w > 0 && comments !== undefined ? commentsOf.get(day) ?? [day, 0, 0, 0] : answeredDay
      if (open.n === 0) {
        // A block starts here; in the first walk, a cut here must also start a month.
        boundary[i] = w > 0 || i === 0 || day.slice(0, 7) !== startMonth
        startMonth = day.slice(0, 7)
      }
      addDay(open, d)
      if (open.n > 0 && lacking(open, min).length === 0) {
        open = openBlock()
        lastClose = i
      }
    })
    boundary[answered.length] = open.n === 0
    // A cut at a block boundary keeps the walk; one inside the open tail (after the last closed
    // block) deletes only answers that were never released.
    for (let k = 0; k <= answered.length; k++) valid[k] = valid[k]! && (boundary[k]! || k > lastClose)
  }
  let best = 0
  for (let k = 1; k <= answered.length && answered[k - 1]![0] < cutoff; k++) if (valid[k]) best = k
  const next = answered[best]?.[0]
  return next !== undefined && next < cutoff ? next : cutoff
}
