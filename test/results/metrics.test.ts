import fc from 'fast-check'
import t from 'tap'
import {
  ces,
  csat,
  nps,
  npsAdjustedWald,
  npsMarginOfError,
  shareAdjustedWald,
  shareMarginOfError
} from '../../src/results/engine/metrics.js'

// The numbers of docs/results.md, against cases worked out by hand, then properties over any distribution.

const close = (t: Tap, actual: number, expected: number, what: string): void => {
  t.ok(Math.abs(actual - expected) < 0.01, `${what}: ${actual} ≈ ${expected}`)
}
type Tap = { ok: (v: boolean, m: string) => void }

/** A distribution from the answers themselves, e.g. scores(0, 10, [9, 10, 3]). */
function scores (min: number, max: number, answers: number[]): number[] {
  const d = new Array<number>(max - min + 1).fill(0)
  for (const a of answers) d[a - min]!++
  return d
}

t.test('NPS: hand-computed cases', async t => {
  // 6 promoters, 2 passives, 2 detractors of 10: NPS 40. p = .6, d = .2:
  // (p + d) − (p − d)² = .8 − .16 = .64; √(.64 / 10) = .25298; × 196 = 49.58.
  const a = nps(scores(0, 10, [10, 10, 9, 9, 9, 9, 8, 7, 6, 0]))!
  t.match(a, { promoters: 6, passives: 2, detractors: 2 })
  close(t, a.score, 40, 'score')
  close(t, a.margin_of_error, 49.58, 'Wald MoE')
  // Adjusted: n 13, P 6.75, D 2.75: centre 100 × 4 / 13 = 30.77; p .51923, d .21154;
  // .73077 − .09467 = .63609; √(.63609 / 13) = .22120; × 196 = 43.36 → [−12.59, 74.12].
  close(t, a.adjusted_wald.low, -12.59, 'adjusted low')
  close(t, a.adjusted_wald.high, 74.12, 'adjusted high')

  // All five promoters: NPS 100 and a Wald MoE of 0, which is why the adjusted interval exists:
  // n 8, P 5.75, D .75: centre 62.5; p .71875, d .09375: .8125 − .390625 = .421875;
  // √(.421875 / 8) = .22964; × 196 = 45.01 → [17.49, 107.51], clipped to 100.
  const b = nps(scores(0, 10, [9, 10, 10, 9, 9]))!
  t.equal(b.score, 100)
  t.equal(b.margin_of_error, 0)
  close(t, b.adjusted_wald.low, 17.49, 'adjusted low')
  t.equal(b.adjusted_wald.high, 100)

  // Boundaries of the bands: 6 is a detractor, 7 and 8 passive, 9 a promoter.
  t.match(nps(scores(0, 10, [6, 7, 8, 9]))!, { detractors: 1, passives: 2, promoters: 1, score: 0 })
  t.equal(nps(scores(0, 10, [0, 0, 0]))!.score, -100)
  t.equal(nps(scores(0, 10, [])), null, 'no answers, no NPS')
  close(t, npsMarginOfError(1, 1, 4), 1.96 * 100 * Math.sqrt(0.5 / 4), 'MoE of 1 promoter, 1 detractor, 2 passives')
})

t.test('CSAT: top-2-box and mean, hand-computed', async t => {
  // 1, 2, 3, 3, 4, 4, 4, 5, 5, 5: 6 of 10 satisfied; mean 36 / 10 = 3.6;
  // MoE 196 × √(.6 × .4 / 10) = 196 × .15492 = 30.36; adjusted: 8 / 14 = 57.14,
  // 196 × √(.57143 × .42857 / 14) = 196 × .13226 = 25.92 → [31.22, 83.07].
  const c = csat(scores(1, 5, [1, 2, 3, 3, 4, 4, 4, 5, 5, 5]))!
  t.equal(c.satisfied, 6)
  close(t, c.score, 60, 'top-2-box')
  close(t, c.mean, 3.6, 'mean')
  close(t, c.margin_of_error, 30.36, 'MoE')
  close(t, c.adjusted_wald.low, 31.22, 'adjusted low')
  close(t, c.adjusted_wald.high, 83.07, 'adjusted high')
  t.equal(csat(scores(1, 5, [3, 3, 3]))!.score, 0, 'a 3 is not satisfied')
})

t.test('CES: mean and share easy, hand-computed', async t => {
  // 3, 4, 5, 5, 6, 6, 6, 7, 7, 7: mean 56 / 10 = 5.6; easy (5–7) 8 → 80 %;
  // squares 6.76 + 2.56 + .72 + .48 + 5.88 = 16.4; sd √(16.4 / 9) = 1.3499; MoE 1.96 × 1.3499 / √10 = .8367.
  const c = ces(scores(1, 7, [3, 4, 5, 5, 6, 6, 6, 7, 7, 7]))!
  close(t, c.mean, 5.6, 'mean')
  t.equal(c.score, c.mean)
  t.equal(c.easy, 8)
  close(t, c.easy_percent, 80, 'share easy')
  close(t, c.margin_of_error, 0.8367, 'MoE of the mean')
  t.equal(ces(scores(1, 7, [4]))!.margin_of_error, 0, 'one answer: no spread to estimate')
})

const distribution = (points: number) =>
  fc.array(fc.nat({ max: 60 }), { minLength: points, maxLength: points }).filter(d => d.some(n => n > 0))

t.test('NPS properties', async t => {
  fc.assert(
    fc.property(distribution(11), d => {
      const r = nps(d)!
      const n = d.reduce((a, b) => a + b, 0)
      return (
        r.score >= -100 &&
        r.score <= 100 &&
        r.promoters + r.passives + r.detractors === n &&
        r.margin_of_error >= 0 &&
        r.margin_of_error <= 196 &&
        r.adjusted_wald.low >= -100 &&
        r.adjusted_wald.high <= 100 &&
        r.adjusted_wald.low <= r.adjusted_wald.high &&
        // The adjusted interval is never degenerate, even where the Wald one is.
        r.adjusted_wald.high - r.adjusted_wald.low > 0
      )
    })
  )
  // More of the same answers never widens the Wald margin.
  fc.assert(
    fc.property(distribution(11), d => nps(d.map(x => x * 4))!.margin_of_error <= nps(d)!.margin_of_error + 1e-9)
  )
  // A passive pulls the score towards 0.
  fc.assert(
    fc.property(distribution(11), d => {
      const more = [...d]
      more[7]!++
      return Math.abs(nps(more)!.score) <= Math.abs(nps(d)!.score) + 1e-9
    })
  )
  t.pass('properties hold')
})

t.test('CSAT and CES properties', async t => {
  fc.assert(
    fc.property(distribution(5), d => {
      const r = csat(d)!
      return (
        r.score >= 0 &&
        r.score <= 100 &&
        r.mean >= 1 &&
        r.mean <= 5 &&
        r.margin_of_error >= 0 &&
        r.adjusted_wald.low >= 0 &&
        r.adjusted_wald.high <= 100 &&
        r.adjusted_wald.low < r.adjusted_wald.high
      )
    })
  )
  fc.assert(
    fc.property(distribution(7), d => {
      const r = ces(d)!
      const n = d.reduce((a, b) => a + b, 0)
      return (
        r.mean >= 1 &&
        r.mean <= 7 &&
        r.easy <= n &&
        r.easy_percent >= 0 &&
        r.easy_percent <= 100 &&
        r.margin_of_error >= 0
      )
    })
  )
  fc.assert(
    fc.property(fc.nat({ max: 500 }), fc.nat({ max: 500 }), (x, extra) => {
      const n = x + extra + 1
      return (
        shareMarginOfError(x, n) >= 0 && shareAdjustedWald(x, n).low <= (100 * x) / n + shareMarginOfError(x, n) + 1e-9
      )
    })
  )
  fc.assert(
    fc.property(fc.nat({ max: 200 }), fc.nat({ max: 200 }), fc.nat({ max: 200 }), (p, d, passives) => {
      const n = p + d + passives + 1
      const w = npsAdjustedWald(p, d, n)
      return w.low <= w.high
    })
  )
  t.pass('properties hold')
})
