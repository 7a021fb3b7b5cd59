// Linear algebra for the differencing-attacker tests (test/results/attacker.test.ts, sparse.test.ts).

/** Row space over the rationals (floating point is exact enough for 0/1 rows of this size). */
export class Span {
  private readonly rows: Array<{ pivot: number, v: Float64Array }> = []
  constructor (private readonly size: number) {}
  private reduce (v: Float64Array): Float64Array {
    const r = Float64Array.from(v)
    for (const { pivot, v: b } of this.rows) {
      const f = r[pivot]!
      if (Math.abs(f) > 1e-9) for (let i = 0; i < this.size; i++) r[i]! -= f * b[i]!
    }
    return r
  }

  add (v: Float64Array): void {
    const r = this.reduce(v)
    const pivot = r.findIndex(x => Math.abs(x) > 1e-9)
    if (pivot < 0) return
    const p = r[pivot]!
    for (let i = 0; i < this.size; i++) r[i]! /= p
    // Keep earlier rows reduced in the new pivot column, so reduce() can go in one pass.
    for (const row of this.rows) {
      const f = row.v[pivot]!
      if (Math.abs(f) > 1e-9) for (let i = 0; i < this.size; i++) row.v[i]! -= f * r[i]!
    }
    this.rows.push({ pivot, v: r })
  }

  contains (v: Float64Array): boolean {
    return this.reduce(v).every(x => Math.abs(x) < 1e-9)
  }
}
