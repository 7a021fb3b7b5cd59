import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'
import { parseCsv } from './csv-parse.js'
import { ITEMS, matches, random, type Slice } from './item-data.js'
import { Span } from './span.js'

// docs/anonymity.md, promises 4–5, for the CSV export and the report with items: the differencing
// attacker of attacker-items.test.ts reads the export over every period of a grid (each class of
// rows shows its scores and, where not hidden, its item answers: an equation per score and per
// item) and the report over the same periods (each item section's counts over its months and per
// month), then checks that no set of fewer than the minimum of one item's answers, or of scores,
// lies in the span of what it read.

const MIN = 5
const TODAY = '2026-04-20'
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Every day its own release block, sparse agents and sparse items; a month of few ratings. */
function dataset (seed: number): Answer[] {
  const rnd = random(seed)
  const out: Answer[] = []
  for (const month of ['01', '02', '03']) {
    for (const d of [3, 9, 14, 20, 25]) {
      const day = `2026-${month}-${String(d).padStart(2, '0')}`
      const count = MIN + Math.floor(rnd() * 4)
      for (let i = 0; i < count; i++) {
        const r = rnd()
        const agent = r < 0.5 ? 'a' : r < 0.85 ? 'b' : r < 0.95 ? 'c' : 'd'
        const score = 1 + Math.floor(rnd() * 5)
        const items: Record<string, string | number | string[]> = {}
        if (rnd() < 0.85) items.fcr = rnd() < 0.75 ? 'yes' : 'no'
        // February: hardly any speed ratings, hidden that month while the others show.
        if (rnd() < (month === '02' ? 0.06 : 0.6)) items.speed = 1 + Math.floor(rnd() * 5)
        if (score <= 2 && rnd() < 0.8) items.reason = ['wait', 'twice', 'other'][Math.floor(rnd() * 3)]!
        if (rnd() < 0.5) items.drivers = ['kind', 'fast', 'clear'].filter(() => rnd() < 0.5)
        if ((items.drivers as string[] | undefined)?.length === 0) delete items.drivers
        out.push({ score, day, attributes: { agent }, items })
      }
    }
  }
  return out
}

type Days = { from: string, to: string }
const day = (text: string): string => {
  const [, mon, d, y] = /^(\w{3}) (\d{1,2}), (\d{4})$/.exec(text.trim())!
  return `${y}-${String(MONTHS.indexOf(mon!) + 1).padStart(2, '0')}-${d!.padStart(2, '0')}`
}

t.test('no item answer or score of fewer than the minimum is derivable from the CSV export and the report', async t => {
  for (const seed of [5, 23]) {
    const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
    const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', min_group_size: MIN, items: ITEMS })
    const data = dataset(seed)
    await seedAnswers(app, survey.id, data)
    const itemKeys = ITEMS.filter(i => i.type !== 'text').map(i => i.key)
    const answering = new Map(itemKeys.map(k => [k, data.filter(a => a.items?.[k] !== undefined)]))
    const spans = new Map(itemKeys.map(k => [k, new Span(answering.get(k)!.length)]))
    const scores = new Span(data.length)
    const within = (a: Answer, days: Days): boolean => a.day >= days.from && a.day <= days.to
    const inSet = (set: (a: Answer) => boolean) => ({
      scores: Float64Array.from(data, a => set(a) ? 1 : 0),
      item: (key: string) => Float64Array.from(answering.get(key)!, a => set(a) ? 1 : 0)
    })
    let classes = 0
    let itemEquations = 0

    const ranges: Array<[string | undefined, string | undefined]> = []
    for (const from of [undefined, '2026-02-01', '2026-03-01']) {
      for (const to of [undefined, '2026-01-31', '2026-02-28', '2026-03-31']) {
        if (from === undefined || to === undefined || from <= to) ranges.push([from, to])
      }
    }
    for (const [from, to] of ranges) {
      const query = new URLSearchParams(Object.entries({ from, to })
        .filter((e): e is [string, string] => typeof e[1] === 'string'))
      const csv = (await api(app, { url: `/v1/surveys/${survey.id}/responses.csv?${query}` })).body.slice(1)
      const [header, ...lines] = parseCsv(csv)
      // The class columns: attributes and yes/no or choice items; the others are item answers.
      const classColumns = header!.slice(3)
        .filter(c => !c.startsWith('item.') || ['item.fcr', 'item.reason'].includes(c))
      const cells = new Map<string, {
        days: Days,
        shown: Map<string, { slice: Slice, items: Set<string> }>,
        rest: Set<string> | null
      }>()
      for (const line of lines) {
        const [first, last] = line[2]!.split('/')
        let cell = cells.get(line[2]!)
        if (cell === undefined) {
          cell = { days: { from: first!, to: last ?? first! }, shown: new Map(), rest: null }
          cells.set(line[2]!, cell)
        }
        const field = (c: string): string => line[header!.indexOf(c)]!
        // An item answer column is read where it is not hidden: multi-choice per option alike.
        const readable = new Set(itemKeys.filter(k => header!.some((c, i) => (c === `item.${k}` ||
          c.startsWith(`item.${k}.`)) && line[i] !== '(hidden)' && line[i] !== '(other)')))
        const labels = classColumns.map(field)
        if (labels.includes('(other)')) cell.rest = readable
        else {
          const slice = Object.fromEntries(classColumns.map((c, i) => [c, labels[i] === '' ? null : labels[i]!]))
          cell.shown.set(JSON.stringify(labels), { slice, items: readable })
        }
      }
      for (const { days, shown, rest } of cells.values()) {
        const inShown = (a: Answer): boolean => [...shown.values()].some(s => matches(a, s.slice))
        const sets: Array<{ set: (a: Answer) => boolean, items: Set<string> }> = [...shown.values()]
          .map(s => ({ set: (a: Answer) => within(a, days) && matches(a, s.slice), items: s.items }))
        if (rest !== null) sets.push({ set: a => within(a, days) && !inShown(a), items: rest })
        for (const { set, items } of sets) {
          const v = inSet(set)
          scores.add(v.scores)
          classes++
          for (const key of items) {
            spans.get(key)!.add(v.item(key))
            itemEquations++
          }
        }
      }

      // The report over the same period: each item section's answers over its months, and per month.
      const html = (await api(app, { url: `/v1/surveys/${survey.id}/report?${query}` })).body
      for (const key of itemKeys) {
        const start = html.indexOf(`<section data-item="${key}">`)
        if (start < 0) continue
        const section = html.slice(start, html.indexOf('</section>', start))
        const months = /Complete months: ([^–]+) – ([^.]+)\./.exec(section)
        if (/data-item-summary/.test(section) && months !== null) {
          const days = { from: day(months[1]!), to: day(months[2]!) }
          const n = Number(/data-item-summary>(?:[^<]* · )?(\d+) answers?<\/p>/.exec(section)![1])
          const v = inSet(a => within(a, days)).item(key)
          t.equal(v.reduce((acc, x) => acc + x, 0), n, `${key} over ${days.from}..${days.to}: the answers it says`)
          spans.get(key)!.add(v)
          itemEquations++
        }
        for (const m of section.matchAll(/<title>(\d{4}-\d{2}): /g)) {
          spans.get(key)!.add(inSet(a => a.day.startsWith(m[1]!)).item(key))
          itemEquations++
        }
      }
    }
    t.ok(classes > 10 && itemEquations > 40,
      `seed ${seed}: ${classes} classes of rows, ${itemEquations} item equations`)

    const days = [...new Set(data.map(a => a.day))].sort()
    const slices: Slice[] = [
      {}, { agent: 'a' }, { agent: 'b' }, { agent: 'c' }, { agent: 'd' }, { 'item.fcr': 'no' }, { 'item.fcr': 'yes' },
      { 'item.fcr': null }, { 'item.reason': 'wait' }, { agent: 'c', 'item.fcr': 'no' },
      { agent: 'a', 'item.fcr': 'no' }
    ]
    const derivable: string[] = []
    const check = (span: Span, v: Float64Array, what: string): void => {
      const n = v.reduce((acc, x) => acc + x, 0)
      if (n > 0 && n < MIN && span.contains(v)) derivable.push(`${what} (${n} answers)`)
    }
    for (const key of itemKeys) {
      const list = answering.get(key)!
      list.forEach((a, i) => {
        const v = new Float64Array(list.length)
        v[i] = 1
        check(spans.get(key)!, v, `${key} of answer ${i} (${a.day} ${a.attributes!.agent})`)
      })
    }
    data.forEach((a, i) => {
      const v = new Float64Array(data.length)
      v[i] = 1
      check(scores, v, `score of answer ${i}`)
    })
    for (const slice of slices) {
      for (const from of days) {
        for (const to of days.filter(d => d >= from)) {
          const set = (a: Answer): boolean => within(a, { from, to }) && matches(a, slice)
          check(scores, inSet(set).scores, `scores of ${JSON.stringify(slice)} ${from}..${to}`)
          for (const key of itemKeys) {
            check(spans.get(key)!, inSet(set).item(key), `${key} of ${JSON.stringify(slice)} ${from}..${to}`)
          }
        }
      }
    }
    t.same(derivable.slice(0, 20), [],
      `seed ${seed}: no set of fewer than ${MIN} answers is derivable (${derivable.length})`)
  }
})
