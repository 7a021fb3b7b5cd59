import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'
import { ITEMS, matches, random, type Slice } from './item-data.js'
import { Span } from './span.js'

// docs/anonymity.md, promises 4–5, for items (docs/results.md, "Items"): plays the differencing
// attacker of attacker.test.ts against item results. It asks every question a reader could ask of
// two surveys of one team (totals, groupings and filters by attributes and by item answers, series,
// team results), over a grid of periods, and keeps one span of equations per item: every shown
// item result (and every shown count of a cell of item answers) tells that item's answers over the
// people of its cell who answered it. It fails if any set of fewer than the minimum of one item's
// answers lies in that span (a single answer; a group's answers over any run of days; a cell by
// attribute and item answer), or if any small set of scores lies in the span of shown score
// distributions (now also of cells of item answers).

const MIN = 5
const TODAY = '2026-04-20'
const TEAM = 'desk'

interface Tagged extends Answer { survey: number }

/** Every day its own release block (at least MIN answers), sparse groups and sparse items. */
function dataset (seed: number, survey: number): Tagged[] {
  const rnd = random(seed)
  const out: Tagged[] = []
  for (const month of ['01', '02', '03']) {
    for (const d of [3, 9, 14, 20, 25]) {
      const day = `2026-${month}-${String(d).padStart(2, '0')}`
      const count = MIN + Math.floor(rnd() * 3)
      for (let i = 0; i < count; i++) {
        const r = rnd()
        const agent = r < 0.5 ? 'a' : r < 0.85 ? 'b' : r < 0.95 ? 'c' : 'd'
        const score = 1 + Math.floor(rnd() * 5)
        const items: Record<string, string | number | string[]> = {}
        if (rnd() < 0.85) items.fcr = rnd() < 0.7 ? 'yes' : 'no'
        if (rnd() < 0.6) items.speed = 1 + Math.floor(rnd() * 5)
        // Reasons after a low score only: few answers, as on a real post-case survey.
        if (score <= 2 && rnd() < 0.8) items.reason = ['wait', 'twice', 'other'][Math.floor(rnd() * 3)]!
        if (rnd() < 0.5) items.drivers = ['kind', 'fast', 'clear'].filter(() => rnd() < 0.5)
        if ((items.drivers as string[] | undefined)?.length === 0) delete items.drivers
        out.push({ survey, score, day, attributes: { agent }, items })
      }
    }
  }
  return out
}

type Days = { from: string, to: string } | null
interface Cell {
  responses: number | null
  suppressed: boolean
  distribution: unknown
  items?: Record<string, unknown> | null
}

t.test('no item answer of fewer than the minimum is derivable from everything the results API shows', async t => {
  for (const seed of [3, 17]) {
    const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
    const surveys = [
      await createSurvey(app, { kind: 'post_case', metric: 'csat', team: TEAM, min_group_size: MIN, items: ITEMS }),
      await createSurvey(app, { kind: 'post_case', metric: 'csat', team: TEAM, min_group_size: MIN, items: ITEMS })
    ]
    // The second survey's February: two FCR answers only, hidden there; the team must not tell them.
    let february = 0
    const second = dataset(seed + 1000, 1).map(a => {
      if (!a.day.startsWith('2026-02') || a.items?.fcr === undefined || ++february <= 2) return a
      const { fcr, ...rest } = a.items
      return { ...a, items: rest }
    })
    const data = [...dataset(seed, 0), ...second]
    for (const [i, s] of surveys.entries()) await seedAnswers(app, s.id, data.filter(a => a.survey === i))
    const itemKeys = ITEMS.filter(i => i.type !== 'text').map(i => i.key)
    // Per item, the answers that answered it: the coordinates of its span.
    const answering = new Map(itemKeys.map(k => [k, data.filter(a => a.items?.[k] !== undefined)]))
    const spans = new Map(itemKeys.map(k => [k, new Span(answering.get(k)!.length)]))
    const scores = new Span(data.length)
    const inCell = (a: Tagged, which: number[], slice: Slice, days: { from: string, to: string }): boolean =>
      which.includes(a.survey) && a.day >= days.from && a.day <= days.to && matches(a, slice)
    const itemVector = (key: string, which: number[], slice: Slice, days: { from: string, to: string }): Float64Array =>
      Float64Array.from(answering.get(key)!, a => inCell(a, which, slice, days) ? 1 : 0)
    const problems: string[] = []
    let itemsShown = 0
    let countsShown = 0

    const observe = (what: string, which: number[], slice: Slice, cell: Cell, days: Days, itemDays: Days): void => {
      if (!cell.suppressed) {
        if (days === null) problems.push(`${what}: shows scores without saying what they cover`)
        else scores.add(Float64Array.from(data, a => inCell(a, which, slice, days) ? 1 : 0))
      } else if (cell.distribution !== null) problems.push(`${what}: suppressed but shows a distribution`)
      // A shown count of a cell of item answers tells those items' answers in it.
      const fixed = Object.keys(slice).filter(k => k.startsWith('item.') && slice[k] !== null)
      if (cell.responses !== null && days !== null) {
        for (const k of fixed) {
          const key = k.slice(5)
          const around = Object.fromEntries(Object.entries(slice).filter(([x]) => x !== k))
          if (spans.has(key)) spans.get(key)!.add(itemVector(key, which, around, days))
          countsShown++
        }
      }
      for (const [key, r] of Object.entries(cell.items ?? {})) {
        const result = r as { suppressed: boolean, answered: number | null }
        if (result.suppressed) {
          if (result.answered !== null) problems.push(`${what} ${key}: suppressed but shows its count`)
          continue
        }
        if (!spans.has(key)) continue
        if (itemDays === null) {
          problems.push(`${what} ${key}: shown without saying what it covers`)
          continue
        }
        const v = itemVector(key, which, slice, itemDays)
        const n = v.reduce((acc, x) => acc + x, 0)
        if (n !== result.answered) problems.push(`${what} ${key}: answered ${result.answered}, the answers hold ${n}`)
        spans.get(key)!.add(v)
        itemsShown++
      }
    }

    const ranges: Array<[string | undefined, string | undefined]> = []
    for (const from of [undefined, '2026-02-01', '2026-03-01']) {
      for (const to of [undefined, '2026-01-31', '2026-02-28', '2026-03-31']) {
        if (from === undefined || to === undefined || from <= to) ranges.push([from, to])
      }
    }
    const filters: Slice[] = [
      {}, { agent: 'a' }, { agent: 'c' }, { 'item.fcr': 'no' }, { 'item.fcr': 'yes' }, { 'item.reason': 'wait' },
      { agent: 'a', 'item.fcr': 'no' }, { agent: 'b', 'item.fcr': 'yes' }
    ]
    for (const [index, survey] of surveys.entries()) {
      for (const [from, to] of ranges) {
        for (const filter of index === 0 ? filters : filters.slice(0, 4)) {
          for (const groupBy of [undefined, 'agent', 'item.fcr', 'item.reason']) {
            if (groupBy !== undefined && groupBy in filter) continue
            for (const interval of [undefined, 'month', 'week']) {
              const query = new URLSearchParams(Object.entries({ from, to, group_by: groupBy, interval, ...filter })
                .filter((e): e is [string, string] => typeof e[1] === 'string'))
              const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
              if (res.statusCode === 400 && res.json().errors[0].path === 'query.interval') continue
              if (res.statusCode !== 200) problems.push(`?${query}: ${res.statusCode}`)
              const body = res.json()
              const what = `seed ${seed} survey ${index} ?${query}`
              observe(`${what} total`, [index], filter, body, body.period, body.items_period)
              for (const b of body.series ?? []) observe(`${what} ${b.start}`, [index], filter, b, b.covers, b.covers)
              for (const g of body.groups ?? []) {
                const slice = { ...filter, [groupBy!]: g.value }
                observe(`${what} ${g.value}`, [index], slice, g, body.period, body.items_period)
              }
            }
          }
        }
      }
    }
    // The team's results over both surveys.
    for (const [from, to] of ranges) {
      for (const interval of [undefined, 'month']) {
        const query = new URLSearchParams(Object.entries({ team: TEAM, metric: 'csat', from, to, interval })
          .filter((e): e is [string, string] => typeof e[1] === 'string'))
        const body = (await api(app, { url: `/v1/results?${query}` })).json()
        observe(`seed ${seed} team ?${query}`, [0, 1], {}, body, body.period, body.items_period)
        for (const b of body.series ?? []) {
          observe(`seed ${seed} team ?${query} ${b.start}`, [0, 1], {}, b, b.covers, b.covers)
        }
      }
    }
    t.same(problems.slice(0, 10), [], `seed ${seed}: every shown number is right and suppressed ones show nothing`)
    t.ok(itemsShown > 200 && countsShown > 20, `seed ${seed}: the attacker read ${itemsShown} item results, ` +
      `${countsShown} counts of cells of item answers`)

    // Targets: single answers, and every slice's answers over any run of days.
    const days = [...new Set(data.map(a => a.day))].sort()
    const slices: Slice[] = [
      {}, { agent: 'a' }, { agent: 'b' }, { agent: 'c' }, { agent: 'd' }, { 'item.fcr': 'no' }, { 'item.fcr': 'yes' },
      { 'item.fcr': null }, { 'item.reason': 'wait' }, { 'item.reason': 'twice' }, { agent: 'c', 'item.fcr': 'no' },
      { agent: 'a', 'item.fcr': 'no' }, { agent: 'b', 'item.reason': 'wait' }
    ]
    const derivable: string[] = []
    const check = (span: Span, v: Float64Array, what: string): void => {
      const n = v.reduce((acc, x) => acc + x, 0)
      if (n > 0 && n < MIN && span.contains(v)) derivable.push(`${what} (${n} answers)`)
    }
    for (const key of itemKeys) {
      const list = answering.get(key)!
      const span = spans.get(key)!
      list.forEach((a, i) => {
        const v = new Float64Array(list.length)
        v[i] = 1
        check(span, v, `${key} of answer ${i} (${a.day} ${a.attributes!.agent})`)
      })
      for (const which of [[0], [1], [0, 1]]) {
        for (const slice of slices) {
          for (const from of days) {
            for (const to of days.filter(d => d >= from)) {
              const what = `${key} of ${which} ${JSON.stringify(slice)} ${from}..${to}`
              check(span, itemVector(key, which, slice, { from, to }), what)
            }
          }
        }
      }
    }
    data.forEach((a, i) => {
      const v = new Float64Array(data.length)
      v[i] = 1
      check(scores, v, `score of answer ${i}`)
    })
    for (const slice of slices) {
      for (const from of days) {
        for (const to of days.filter(d => d >= from)) {
          for (const which of [[0], [1]]) {
            const v = Float64Array.from(data, a => inCell(a, which, slice, { from, to }) ? 1 : 0)
            check(scores, v, `scores of ${which} ${JSON.stringify(slice)} ${from}..${to}`)
          }
        }
      }
    }
    const found = `${derivable.length} found`
    t.same(derivable.slice(0, 20), [], `seed ${seed}: no set of fewer than ${MIN} answers is derivable (${found})`)
  }
})
