import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'
import { parseCsv } from './csv-parse.js'
import { Span } from './span.js'

// docs/anonymity.md, promises 4–5: plays the differencing attacker. It asks every question a manager could ask
// (totals, groupings, filters, pairs of filters, filters with groupings, series by day, week and
// month) and downloads the CSV export, over every period in a grid of from/to dates, treats every
// shown distribution (and every class of CSV rows) as an equation over the answers it covers, and
// fails if any small set of answers (a single answer, a suppressed cell, a group's answers over any
// run of days) lies in the span of *all* those equations together: then its scores could be derived
// by adding and subtracting what was shown, whichever periods, filters and groupings the shown
// numbers came from.

const MIN = 5
const TODAY = '2026-05-10'

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
  for (const month of ['01', '02', '03', '04', '05']) {
    for (const d of month === '05' ? [4, 8] : [2, 6, 10, 15, 21, 27]) {
      const day = `2026-${month}-${String(d).padStart(2, '0')}`
      const count = Math.floor(rnd() * 5)
      for (let i = 0; i < count; i++) {
        const r = rnd()
        const attributes: Record<string, string> = { category: rnd() < 0.5 ? 'hw' : 'sw' }
        if (r < 0.55) attributes.agent = 'a'
        else if (r < 0.85) attributes.agent = 'b'
        out.push({ score: Math.floor(rnd() * 11), day, attributes })
      }
    }
  }
  // Groups that must never show: agent c with two answers in two months, agent d with one.
  out.push({ score: 0, day: '2026-02-06', attributes: { agent: 'c', category: 'hw' } })
  out.push({ score: 10, day: '2026-03-15', attributes: { agent: 'c', category: 'sw' } })
  out.push({ score: 3, day: '2026-03-21', attributes: { agent: 'd', category: 'hw' } })
  // Today's answers are still pending.
  out.push({ score: 7, day: TODAY, attributes: { agent: 'a', category: 'hw' } })
  return out
}

type Slice = Record<string, string | null>

const matches = (a: Answer, slice: Slice): boolean =>
  Object.entries(slice).every(([k, v]) => (a.attributes?.[k] ?? null) === v)

interface Cell {
  responses: number
  suppressed: boolean
  distribution: unknown
}
type Days = { from: string; to: string } | null

t.test('no small set of answers can be derived from everything the results API shows, over every period', async t => {
  // Shown months whose last block runs over the month's end: their scores need the corrections of
  // src/results/engine/attributes.ts (readMonth), checked below against the answers.
  let overMonthEnd = 0
  for (const seed of [7, 2026]) {
    const clock = testClock(`${TODAY}T10:00:00Z`)
    const app = await build(t, { clock })
    const survey = await createSurvey(app, { min_group_size: MIN, min_comment_group_size: 10 })
    const data = dataset(seed)
    await seedAnswers(app, survey.id, data)
    const released = data.filter(a => a.day < TODAY)
    const size = released.length
    const vector = (slice: Slice, days: { from: string; to: string }): Float64Array =>
      Float64Array.from(released, a => (matches(a, slice) && a.day >= days.from && a.day <= days.to ? 1 : 0))
    // One view: the attacker combines every answer of every question below.
    const span = new Span(size)
    const targets: Array<{ what: string; v: Float64Array }> = []
    let shown = 0
    let shownAboutAttributes = 0

    const problems: string[] = []
    // `days`: what the cell covers, the body's period or a bucket's `covers`.
    const observe = (what: string, slice: Slice, cell: Cell, days: Days): void => {
      if (!cell.suppressed) {
        if (days === null || cell.distribution === null) problems.push(`${what} shows no scores or not what they cover`)
        else {
          const v = vector(slice, days)
          span.add(v)
          // And what it shows is right: the scores of exactly the answers it says it covers.
          const expected = Array.from(
            { length: 11 },
            (_, score) => released.filter((a, i) => v[i] === 1 && a.score === score).length
          )
          const counts = (cell.distribution as Array<{ count: number }>).map(d => d.count)
          if (JSON.stringify(counts) !== JSON.stringify(expected)) {
            problems.push(`${what} shows ${JSON.stringify(counts)}, the answers hold ${JSON.stringify(expected)}`)
          }
        }
        shown++
        return
      }
      if (cell.distribution !== null) problems.push(`${what} is suppressed but shows a distribution`)
      if (days !== null) targets.push({ what: `${what} over ${days.from}..${days.to}`, v: vector(slice, days) })
    }

    const ranges: Array<[string | undefined, string | undefined]> = []
    const froms = [undefined, '2026-01-20', '2026-02-01', '2026-02-14', '2026-03-10', '2026-04-01', '2026-05-01']
    const tos = [undefined, '2026-01-31', '2026-02-14', '2026-03-05', '2026-03-31', '2026-04-20', '2026-05-09']
    for (const from of froms) {
      for (const to of tos) if (from === undefined || to === undefined || from <= to) ranges.push([from, to])
    }
    const filters: Slice[] = [
      {},
      { agent: 'a' },
      { agent: 'b' },
      { agent: 'c' },
      { category: 'hw' },
      { category: 'sw' },
      { agent: 'a', category: 'hw' },
      { agent: 'b', category: 'sw' }
    ]
    for (const [from, to] of ranges) {
      for (const filter of filters) {
        for (const groupBy of [undefined, 'agent', 'category']) {
          if (groupBy !== undefined && groupBy in filter) continue
          for (const interval of [undefined, 'day', 'week', 'month']) {
            const query = new URLSearchParams(
              Object.entries({ from, to, group_by: groupBy, interval, ...filter }).filter(
                (e): e is [string, string] => typeof e[1] === 'string'
              )
            )
            const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
            // A series the service refuses shows nothing (it must say which field, though).
            if (res.statusCode === 400 && res.json().errors[0].path === 'query.interval') continue
            if (res.statusCode !== 200) problems.push(`?${query}: ${res.statusCode}`)
            const body = res.json()
            const what = `seed ${seed} ?${query}`
            const before = shown
            observe(`${what} total`, filter, body, body.period)
            for (const b of body.series ?? []) {
              observe(`${what} bucket ${b.start}`, filter, b, b.covers)
              if (
                interval === 'month' &&
                !b.suppressed &&
                b.covers !== null &&
                b.covers.to.slice(0, 7) !== b.start.slice(0, 7)
              ) { overMonthEnd++ }
            }
            for (const g of body.groups ?? []) {
              observe(`${what} group ${g.value}`, { ...filter, [groupBy!]: g.value }, g, body.period)
            }
            if (Object.keys(filter).length > 0 || groupBy !== undefined) shownAboutAttributes += shown - before
          }
        }
      }
    }
    // The CSV export over every period: each class of rows (same day cell and shown values) shows
    // its scores, so it is an equation too; a folded class is its time cell minus the shown ones.
    let csvClasses = 0
    for (const [from, to] of ranges) {
      const query = new URLSearchParams(
        Object.entries({ from, to }).filter((e): e is [string, string] => typeof e[1] === 'string')
      )
      const [header, ...lines] = parseCsv(
        (await api(app, { url: `/v1/surveys/${survey.id}/responses.csv?${query}` })).body.slice(1)
      )
      const columns = header!.slice(3)
      const cells = new Map<
        string,
        { days: { from: string; to: string }; shown: Map<string, Slice>; folded: boolean }
      >()
      for (const line of lines) {
        const [first, last] = line[2]!.split('/')
        let cell = cells.get(line[2]!)
        if (cell === undefined) {
          cell = { days: { from: first!, to: last ?? first! }, shown: new Map(), folded: false }
          cells.set(line[2]!, cell)
        }
        const labels = line.slice(3)
        if (labels.includes('(other)')) cell.folded = true
        else {
          cell.shown.set(
            JSON.stringify(labels),
            Object.fromEntries(columns.map((c, i) => [c, labels[i] === '' ? null : labels[i]!]))
          )
        }
      }
      for (const { days, shown, folded } of cells.values()) {
        const rest = vector({}, days)
        for (const slice of shown.values()) {
          const v = vector(slice, days)
          span.add(v)
          v.forEach((x, i) => {
            rest[i]! -= x
          })
          csvClasses++
        }
        if (folded) span.add(rest)
      }
    }
    t.ok(csvClasses > 10, `seed ${seed}: the attacker read ${csvClasses} classes of CSV rows`)

    t.same(
      problems.slice(0, 10),
      [],
      `seed ${seed}: every answer is 200 (or 400 for its interval) and suppressed cells show no scores`
    )
    t.ok(
      shown > 200 && shownAboutAttributes > 100,
      `seed ${seed}: the attacker saw ${shown} distributions, ${shownAboutAttributes} about attributes`
    )

    // Targets: each single answer; each suppressed cell; each group's answers over any days.
    const days = [...new Set(released.map(a => a.day))].sort()
    const slices: Slice[] = [
      {},
      { agent: 'a' },
      { agent: 'b' },
      { agent: 'c' },
      { agent: 'd' },
      { agent: null },
      { category: 'hw' },
      { category: 'sw' },
      { agent: 'a', category: 'hw' },
      { agent: 'a', category: 'sw' },
      { agent: 'b', category: 'hw' }
    ]
    released.forEach((a, i) => {
      const v = new Float64Array(size)
      v[i] = 1
      targets.push({ what: `answer ${i} (${a.day} ${JSON.stringify(a.attributes)})`, v })
    })
    for (const slice of slices) {
      for (const from of days) {
        for (const to of days.filter(d => d >= from)) {
          targets.push({ what: `${JSON.stringify(slice)} ${from}..${to}`, v: vector(slice, { from, to }) })
        }
      }
    }
    const derivable: string[] = []
    for (const target of targets) {
      const n = target.v.reduce((acc, x) => acc + x, 0)
      if (n > 0 && n < MIN && span.contains(target.v)) derivable.push(`${target.what} (${n} answers)`)
    }
    t.same(
      derivable.slice(0, 20),
      [],
      `seed ${seed}: no set of fewer than ${MIN} answers is derivable (${derivable.length} found)`
    )
  }
  t.ok(overMonthEnd > 0, `${overMonthEnd} shown months have a block that runs over the month's end`)
})
