import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'

// SPEC §2.4–2.5: plays the differencing attacker. It asks every question a manager could ask
// (totals, groupings, filters, pairs of filters, filters with groupings, series), treats every
// shown distribution as an equation over the answers it covers, and fails if any small set of
// answers (a single answer, a suppressed cell, a group's answers on a few days) lies in the span
// of those equations: then its scores could be derived by adding and subtracting what was shown.
//
// What it combines: every whole-survey total and series over every period (release blocks make
// those differ by whole blocks), together with every question about attributes over one period
// and one series interval. Attribute questions over different periods (or intervals) are a known
// limit, written down in the README: they are not combined here.

const MIN = 5

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random (seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

function dataset (seed: number): Answer[] {
  const rnd = random(seed)
  const out: Answer[] = []
  for (let d = 1; d <= 12; d++) {
    const day = `2026-03-${String(d).padStart(2, '0')}`
    const count = Math.floor(rnd() * 5)
    for (let i = 0; i < count; i++) {
      const r = rnd()
      const attributes: Record<string, string> = { category: rnd() < 0.5 ? 'hw' : 'sw' }
      if (r < 0.55) attributes.agent = 'a'
      else if (r < 0.85) attributes.agent = 'b'
      out.push({ score: Math.floor(rnd() * 11), day, attributes })
    }
  }
  // Two groups that must never show: agent c with two answers, agent d with one.
  out.push({ score: 0, day: '2026-03-04', attributes: { agent: 'c', category: 'hw' } })
  out.push({ score: 10, day: '2026-03-09', attributes: { agent: 'c', category: 'sw' } })
  out.push({ score: 3, day: '2026-03-06', attributes: { agent: 'd', category: 'hw' } })
  // Today's answers are still pending.
  out.push({ score: 7, day: '2026-03-20', attributes: { agent: 'a', category: 'hw' } })
  return out
}

/** Row space over the rationals (floating point is exact enough for 0/1 rows of this size). */
class Span {
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

type Slice = Record<string, string | null>

const matches = (a: Answer, slice: Slice): boolean =>
  Object.entries(slice).every(([k, v]) => (a.attributes?.[k] ?? null) === v)

interface Cell { responses: number, suppressed: boolean, distribution: unknown }
type Days = { from: string, to: string } | null

t.test('no small set of answers can be derived from everything the results API shows', async t => {
  for (const seed of [7, 2026]) {
    const clock = testClock('2026-03-20T10:00:00Z')
    const app = await build(t, { clock })
    const survey = await createSurvey(app, { min_group_size: MIN, min_comment_group_size: 10 })
    const data = dataset(seed)
    seedAnswers(app, survey.id, data)
    const released = data.filter(a => a.day < '2026-03-20')
    const size = released.length
    const vector = (slice: Slice, days: { from: string, to: string }): Float64Array =>
      Float64Array.from(released, a => matches(a, slice) && a.day >= days.from && a.day <= days.to ? 1 : 0)
    // Equations per view: 'survey' (whole-survey totals and series, any period) and one per period
    // and interval of attribute questions; every view also sees the 'survey' equations.
    const views = new Map<string, Array<{ v: Float64Array }>>()
    const targets = new Map<string, Array<{ what: string, v: Float64Array }>>()
    const push = <T>(map: Map<string, T[]>, key: string, item: T): void => { map.set(key, [...map.get(key) ?? [], item]) }
    let shown = 0

    // `days`: what the cell covers, the body's period or a bucket's `covers`.
    const observe = (into: string[], what: string, slice: Slice, cell: Cell, days: Days): void => {
      if (!cell.suppressed) {
        t.ok(days !== null && cell.distribution !== null, `${what} shows its scores with what they cover`)
        for (const view of into) push(views, view, { v: vector(slice, days!) })
        shown++
        return
      }
      t.equal(cell.distribution, null, `${what} is suppressed: no distribution`)
      if (days !== null) for (const view of into) push(targets, view, { what: `${what} over ${days.from}..${days.to}`, v: vector(slice, days) })
    }

    const ranges: Array<[string | undefined, string | undefined]> = []
    for (const from of [undefined, '2026-03-03', '2026-03-06', '2026-03-09']) {
      for (const to of [undefined, '2026-03-04', '2026-03-07', '2026-03-10', '2026-03-12']) {
        if (from === undefined || to === undefined || from <= to) ranges.push([from, to])
      }
    }
    const filters: Slice[] = [{}, { agent: 'a' }, { agent: 'b' }, { agent: 'c' }, { category: 'hw' }, { category: 'sw' },
      { agent: 'a', category: 'hw' }, { agent: 'b', category: 'sw' }]
    for (const [from, to] of ranges) {
      const period = `${from ?? ''}..${to ?? ''}`
      for (const filter of filters) {
        for (const groupBy of [undefined, 'agent', 'category']) {
          if (groupBy !== undefined && groupBy in filter) continue
          for (const interval of groupBy === undefined ? [undefined, 'day', 'week'] : [undefined]) {
            const query = new URLSearchParams(Object.entries({ from, to, group_by: groupBy, interval, ...filter })
              .filter((e): e is [string, string] => typeof e[1] === 'string'))
            const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
            t.equal(res.statusCode, 200)
            const body = res.json()
            const what = `seed ${seed} ?${query}`
            const wholeSurvey = Object.keys(filter).length === 0 && groupBy === undefined
            const into = wholeSurvey
              ? ['survey']
              : interval === undefined ? ['day', 'week'].map(i => `${period} ${i}`) : [`${period} ${interval}`]
            observe(into, `${what} total`, filter, body, body.period)
            for (const b of body.series ?? []) observe(into, `${what} bucket ${b.start}`, filter, b, b.covers)
            for (const g of body.groups ?? []) observe(into, `${what} group ${g.value}`, { ...filter, [groupBy!]: g.value }, g, body.period)
          }
        }
      }
    }
    t.ok(shown > 50, `seed ${seed}: the attacker saw ${shown} distributions`)

    // Targets: each single answer; each suppressed cell; each group's answers over any days.
    const days = [...new Set(released.map(a => a.day))].sort()
    const slices: Slice[] = [{}, { agent: 'a' }, { agent: 'b' }, { agent: 'c' }, { agent: 'd' }, { agent: null },
      { category: 'hw' }, { category: 'sw' }, { agent: 'a', category: 'hw' }, { agent: 'a', category: 'sw' }, { agent: 'b', category: 'hw' }]
    const general: Array<{ what: string, v: Float64Array }> = []
    released.forEach((a, i) => {
      const v = new Float64Array(size)
      v[i] = 1
      general.push({ what: `answer ${i} (${a.day} ${JSON.stringify(a.attributes)})`, v })
    })
    for (const slice of slices) {
      for (const from of days) {
        for (const to of days.filter(d => d >= from)) general.push({ what: `${JSON.stringify(slice)} ${from}..${to}`, v: vector(slice, { from, to }) })
      }
    }
    const derivable: string[] = []
    const surveyRows = views.get('survey') ?? []
    for (const view of new Set([...views.keys(), ...targets.keys()])) {
      const span = new Span(size)
      for (const { v } of [...surveyRows, ...view === 'survey' ? [] : views.get(view) ?? []]) span.add(v)
      for (const target of [...general, ...targets.get(view) ?? []]) {
        const n = target.v.reduce((acc, x) => acc + x, 0)
        if (n > 0 && n < MIN && span.contains(target.v)) derivable.push(`${view}: ${target.what} (${n} answers)`)
      }
    }
    t.same(derivable.slice(0, 20), [], `seed ${seed}: no set of fewer than ${MIN} answers is derivable`)
  }
})
