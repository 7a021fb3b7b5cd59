import fc from 'fast-check'
import t from 'tap'
import { releaseBlocks } from '../src/results/engine/periods.js'
import { retentionCut } from '../src/retention/cut.js'

// retentionCut against the results' own release walk (src/results/engine/periods.ts), for random surveys.

// Every third day, so that 60 days run over several months.
const day = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 3 * 86_400_000).toISOString().slice(0, 10)

const survey = fc
  .record({
    // Answer counts per day; 0: nobody answered that day.
    counts: fc.array(fc.nat({ max: 7 }), { maxLength: 60 }),
    min: fc.integer({ min: 3, max: 12 }),
    extraForComments: fc.integer({ min: 0, max: 15 }),
    cutoffAt: fc.nat({ max: 70 }),
    todayAfter: fc.nat({ max: 5 })
  })
  .map(({ counts, min, extraForComments, cutoffAt, todayAfter }) => ({
    days: counts.flatMap((n, i) => (n === 0 ? [] : [[day(i), n] as const])),
    mins: [min, min + extraForComments],
    cutoff: day(cutoffAt),
    // Retention keeps at least a day, so the cutoff is before today.
    today: day(cutoffAt + 1 + todayAfter)
  }))

/**
 * Whether deleting the days before `cut` leaves every walk's remaining blocks as they were and
 * cuts no released block in two (its rest would be released again later with other days: a
 * partial overlap, which is what blocks exist to prevent), and leaves every release month of
 * min_group_size's walk whole or gone (src/results/engine/months.ts: questions about attributes).
 */
function keepsBlocks (
  days: ReadonlyArray<readonly [string, number]>,
  mins: number[],
  cut: string,
  today: string
): boolean {
  const kept = days.filter(([d]) => d >= cut)
  const blocks = releaseBlocks(days, mins[0]!, today).blocks
  const month = (b: { from: string }) => b.from.slice(0, 7)
  if (
    blocks.some(b => b.from < cut) &&
    blocks.some(b => b.from >= cut && blocks.some(x => x.from < cut && month(x) === month(b)))
  ) { return false }
  return mins.every(min => {
    const before = releaseBlocks(days, min, today).blocks
    const after = releaseBlocks(kept, min, today).blocks
    return (
      !before.some(b => b.from < cut && b.to >= cut) &&
      JSON.stringify(after) === JSON.stringify(before.filter(b => b.from >= cut))
    )
  })
}

t.test(
  'property: the cut never passes the cutoff, keeps every remaining block, and is the latest such day',
  async t => {
    fc.assert(
      fc.property(survey, ({ days, mins, cutoff, today }) => {
        const cut = retentionCut(days, mins, cutoff, today)
        if (cut > cutoff) return false
        if (!keepsBlocks(days, mins, cut, today)) return false
        // No later cut up to the cutoff would do: each answered day after `cut` is a candidate.
        const later = [...days.map(([d]) => d).filter(d => d > cut && d < cutoff), ...(cut < cutoff ? [cutoff] : [])]
        return later.every(c => !keepsBlocks(days, mins, c, today))
      }),
      { numRuns: 2000 }
    )
    t.pass('held for 2,000 generated surveys')
  }
)

t.test('examples', async t => {
  // Consecutive days from 30 January: days 0–1 in January, 2–4 in February.
  const day = (i: number) => new Date(Date.UTC(2026, 0, 30) + i * 86_400_000).toISOString().slice(0, 10)
  const days = [
    [day(0), 3],
    [day(1), 3],
    [day(2), 1],
    [day(3), 4],
    [day(4), 2]
  ] as const
  // min 5: blocks [0–1] (6), [2–3] (5); day 4 open. min 10: [0–3] (11); day 4 open.
  t.equal(retentionCut(days, [5], day(1), day(9)), day(0), 'day 0 alone would split block [0–1]: nothing goes')
  t.equal(retentionCut(days, [5], day(3), day(9)), day(2), 'block [0–1] goes, block [2–3] stays whole')
  t.equal(retentionCut(days, [5, 10], day(3), day(9)), day(0), "the comment walk's block [0–3] holds it back")
  t.equal(retentionCut(days, [5, 10], day(5), day(9)), day(5), 'everything before the cutoff, the open day 4 included')
  t.equal(retentionCut(days, [5, 10], day(4), day(9)), day(4), 'all closed blocks go; the open tail stays')
  t.equal(
    retentionCut(
      [
        [day(0), 2],
        [day(3), 1]
      ],
      [5],
      day(2),
      day(9)
    ),
    day(2),
    'answers never released go at the cutoff'
  )
  t.equal(retentionCut([], [5], day(2), day(9)), day(2))
  const sameMonth = [
    ['2026-03-02', 5],
    ['2026-03-09', 5],
    ['2026-03-16', 5]
  ] as const
  t.equal(
    retentionCut(sameMonth, [5], '2026-03-12', '2026-04-20'),
    '2026-03-02',
    'blocks of one month go together: questions about attributes count whole months'
  )
  t.equal(
    retentionCut(sameMonth, [5], '2026-03-31', '2026-04-20'),
    '2026-03-31',
    'the whole month, once all of it is past the cutoff'
  )
})
