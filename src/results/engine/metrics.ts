import type { Metric, Scale } from '../../surveys/defaults.js'

// The metrics of docs/results.md as pure functions. A distribution counts answers per scale point, index 0 being the
// scale's minimum (0 for NPS, 1 for CSAT and CES). Numbers come back unrounded; rounding is
// presentation (see `present`).

export type Distribution = readonly number[]

const Z95 = 1.96

export interface Interval { low: number, high: number }

export interface Nps {
  /** 100 × (promoters − detractors) / n, in [−100, 100]. */
  score: number
  promoters: number
  passives: number
  detractors: number
  /** 95 % Wald margin of error, in NPS points. */
  margin_of_error: number
  /** 95 % adjusted-Wald interval: n + 3, promoters + ¾, detractors + ¾, clipped to [−100, 100]. */
  adjusted_wald: Interval
}

export interface Csat {
  /** Top-2-box: the share of 4s and 5s, in percent. */
  score: number
  satisfied: number
  mean: number
  /** 95 % Wald margin of error of the top-2-box share, in percentage points. */
  margin_of_error: number
  /** 95 % adjusted-Wald (Agresti–Coull) interval of the share: two satisfied and two not added. */
  adjusted_wald: Interval
}

export interface Ces {
  /** The mean effort score on 1–7 (higher is easier). */
  score: number
  mean: number
  /** Answers of 5–7. */
  easy: number
  easy_percent: number
  /** 95 % margin of error of the mean: 1.96 × sample standard deviation / √n. */
  margin_of_error: number
}

export const total = (dist: Distribution): number => dist.reduce((a, b) => a + b, 0)
const sumRange = (dist: Distribution, from: number, to: number): number => total(dist.slice(from, to + 1))

/**
 * docs/results.md: MoE = 1.96 × 100 × √(((p + d) − (p − d)²) / n), p and d the promoter and
 * detractor shares.
 */
export function npsMarginOfError (promoters: number, detractors: number, n: number): number {
  const p = promoters / n
  const d = detractors / n
  // max(0, …) only guards against a rounding error below zero when p + d is 0 or 1.
  return Z95 * 100 * Math.sqrt(Math.max(0, (p + d) - (p - d) ** 2) / n)
}

export function npsAdjustedWald (promoters: number, detractors: number, n: number): Interval {
  const n2 = n + 3
  const p2 = promoters + 0.75
  const d2 = detractors + 0.75
  const centre = 100 * (p2 - d2) / n2
  const moe = npsMarginOfError(p2, d2, n2)
  return { low: Math.max(-100, centre - moe), high: Math.min(100, centre + moe) }
}

export function nps (dist: Distribution): Nps | null {
  const n = total(dist)
  if (n === 0) return null
  const detractors = sumRange(dist, 0, 6)
  const passives = sumRange(dist, 7, 8)
  const promoters = sumRange(dist, 9, 10)
  return {
    score: 100 * (promoters - detractors) / n,
    promoters,
    passives,
    detractors,
    margin_of_error: npsMarginOfError(promoters, detractors, n),
    adjusted_wald: npsAdjustedWald(promoters, detractors, n)
  }
}

/** Wald margin of error of a share x/n, in percentage points. */
export function shareMarginOfError (x: number, n: number): number {
  const p = x / n
  return Z95 * 100 * Math.sqrt(p * (1 - p) / n)
}

/** Agresti–Coull: the Wald interval after adding two successes and two failures (z² ≈ 4). */
export function shareAdjustedWald (x: number, n: number): Interval {
  const centre = 100 * (x + 2) / (n + 4)
  const moe = shareMarginOfError(x + 2, n + 4)
  return { low: Math.max(0, centre - moe), high: Math.min(100, centre + moe) }
}

function mean (dist: Distribution, min: number): number {
  return dist.reduce((acc, count, i) => acc + count * (i + min), 0) / total(dist)
}

export function csat (dist: Distribution): Csat | null {
  const n = total(dist)
  if (n === 0) return null
  const satisfied = sumRange(dist, 3, 4)
  return {
    score: 100 * satisfied / n,
    satisfied,
    mean: mean(dist, 1),
    margin_of_error: shareMarginOfError(satisfied, n),
    adjusted_wald: shareAdjustedWald(satisfied, n)
  }
}

export function ces (dist: Distribution): Ces | null {
  const n = total(dist)
  if (n === 0) return null
  const m = mean(dist, 1)
  const easy = sumRange(dist, 4, 6)
  const squares = dist.reduce((acc, count, i) => acc + count * (i + 1 - m) ** 2, 0)
  const sd = n > 1 ? Math.sqrt(squares / (n - 1)) : 0
  return { score: m, mean: m, easy, easy_percent: 100 * easy / n, margin_of_error: Z95 * sd / Math.sqrt(n) }
}

export type MetricBlock =
  | { metric: 'nps', value: Nps }
  | { metric: 'csat', value: Csat }
  | { metric: 'ces', value: Ces }

export function computeMetric (metric: Metric, dist: Distribution): MetricBlock | null {
  if (metric === 'nps') { const value = nps(dist); return value && { metric, value } }
  if (metric === 'csat') { const value = csat(dist); return value && { metric, value } }
  const value = ces(dist)
  return value && { metric, value }
}

export const DEFINITIONS: Record<Metric, string> = {
  nps: 'NPS on 0–10: promoters 9–10, passives 7–8, detractors 0–6; ' +
    'score = 100 × (promoters − detractors) / responses, from −100 to 100. ' +
    'margin_of_error: 95 % Wald, 1.96 × 100 × √(((p + d) − (p − d)²) / n); ' +
    'adjusted_wald: the same after adding 3 to n and ¾ to promoters and detractors.',
  csat: 'CSAT on 1–5: score = the share of 4s and 5s in percent (top-2-box), mean beside it. ' +
    'margin_of_error: 95 % Wald of the share, 1.96 × 100 × √(p(1 − p) / n); ' +
    'adjusted_wald: Agresti–Coull, adding two satisfied and two other answers.',
  ces: 'CES on 1–7 (7 = very easy): score = the mean; easy = answers of 5–7, easy_percent their share. ' +
    'margin_of_error: 95 % of the mean, 1.96 × sample standard deviation / √n.'
}

export function emptyDistribution (scale: Scale): number[] {
  return new Array<number>(scale.max - scale.min + 1).fill(0)
}
