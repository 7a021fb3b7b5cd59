import { shareAdjustedWald } from '../results/engine/metrics.js'
import type { ItemMeasure } from './tables.js'

// An item's measure with its 95 % interval, read from an item result as the results API shows it
// (docs/results.md, "Items"): what item targets are judged on and what the report draws. Only
// shown numbers go in, so nothing here can tell more than the API does.

const Z95 = 1.96

/** An item result as the API shows it, in the parts read here. */
export interface ShownItemResult {
  answered: number | null
  suppressed: boolean
  yes_no?: { yes: number, no: number, percent: number, adjusted_wald: { low: number, high: number } } | null
  rating?: {
    mean: number
    top_2_box: number
    top_2_box_percent: number
    distribution: Array<{ score: number, count: number }>
  } | null
}

export interface Estimate { score: number, low: number, high: number }

/** A rating's mean with mean ± 1.96 × sd / √n (sd of the sample), clipped to the 1–5 scale. */
export function meanInterval (distribution: ReadonlyArray<{ score: number, count: number }>): Estimate | null {
  const n = distribution.reduce((a, d) => a + d.count, 0)
  if (n === 0) return null
  const mean = distribution.reduce((a, d) => a + d.score * d.count, 0) / n
  const squares = distribution.reduce((a, d) => a + d.count * (d.score - mean) ** 2, 0)
  const moe = n > 1 ? Z95 * Math.sqrt(squares / (n - 1)) / Math.sqrt(n) : 0
  return { score: mean, low: Math.max(1, mean - moe), high: Math.min(5, mean + moe) }
}

/** The measure and its interval, or null where the result is suppressed or does not have it. */
export function estimate (result: ShownItemResult | null | undefined, measure: ItemMeasure): Estimate | null {
  if (result == null || result.suppressed || result.answered === null) return null
  if (measure === 'yes_percent') {
    const y = result.yes_no
    return y == null ? null : { score: y.percent, low: y.adjusted_wald.low, high: y.adjusted_wald.high }
  }
  const r = result.rating
  if (r == null) return null
  if (measure === 'mean') return meanInterval(r.distribution)
  const ci = shareAdjustedWald(r.top_2_box, result.answered)
  return { score: r.top_2_box_percent, low: ci.low, high: ci.high }
}
