import t from 'tap'
import { purge } from '../../src/retention/service.js'
import { api, build, TEST_STORE, testClock } from '../helpers/build.js'
import { rows } from '../helpers/puls.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'
import { itemDataset, ITEMS, matches, type Slice } from './item-data.js'

// Item results (docs/results.md, "Items") through HTTP: for every item type, every shown item
// result matches what a brute-force count of the raw answers it says it covers gives; hidden ones
// show nothing; filters and groupings by item answers; the rules on bad keys.

const MIN = 5
const TODAY = '2026-04-20'

interface ItemResult {
  type: string
  answered: number | null
  suppressed: boolean
  yes_no?: { yes: number, no: number, percent: number } | null
  rating?: { mean: number, top_2_box: number, distribution: Array<{ score: number, count: number }> } | null
  options?: Array<{ key: string, count: number, percent: number }> | null
}

/** The item result a brute-force count of the answers gives, in the API's shape (numbers only). */
function expected (answers: readonly Answer[], key: string): Partial<ItemResult> {
  const given = answers.map(a => a.items?.[key]).filter(v => v !== undefined)
  const n = given.length
  const round = (x: number): number => Number(x.toFixed(1))
  const def = ITEMS.find(i => i.key === key)!
  const out: Partial<ItemResult> = { answered: n }
  if (def.type === 'yes_no') {
    const yes = given.filter(v => v === 'yes').length
    out.yes_no = { yes, no: n - yes, percent: round(100 * yes / n) }
  } else if (def.type === 'rating') {
    const counts = [1, 2, 3, 4, 5].map(s => given.filter(v => v === s).length)
    out.rating = {
      mean: Number((counts.reduce((acc, c, i) => acc + c * (i + 1), 0) / n).toFixed(2)),
      top_2_box: counts[3]! + counts[4]!,
      distribution: counts.map((count, i) => ({ score: i + 1, count }))
    }
  } else if (def.type !== 'text') {
    out.options = def.options!.map(o => {
      const count = given.filter(v => v === o.key || (Array.isArray(v) && v.includes(o.key))).length
      return { key: o.key, count, percent: round(100 * count / n) }
    })
  }
  return out
}

t.test('every shown item result is the brute-force count of the answers it covers', async t => {
  const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', min_group_size: MIN, items: ITEMS })
  const data = itemDataset(11, 7)
  await seedAnswers(app, survey.id, data)
  let shown = 0
  let hidden = 0
  type Days = { from: string, to: string } | null
  const check = (what: string, slice: Slice, items: Record<string, ItemResult> | null, days: Days): void => {
    if (items === null) return
    for (const def of ITEMS) {
      const r = items[def.key]!
      t.equal(r.type, def.type, `${what} ${def.key}: its type`)
      if (r.suppressed) {
        hidden++
        t.same([r.answered, r.yes_no ?? null, r.rating ?? null, r.options ?? null], [null, null, null, null],
          `${what} ${def.key}: suppressed, shows nothing`)
        continue
      }
      shown++
      const covered = data.filter(a => days !== null && a.day >= days.from && a.day <= days.to && matches(a, slice))
      t.match(r, expected(covered, def.key), `${what} ${def.key}`)
      t.ok(r.answered! >= MIN, `${what} ${def.key}: answered by at least the minimum`)
    }
  }
  const questions: Array<[Slice, string | undefined]> = [
    [{}, undefined], [{}, 'agent'], [{}, 'item.fcr'], [{}, 'item.reason'], [{ agent: 'a' }, undefined],
    [{ 'item.fcr': 'no' }, undefined], [{ 'item.fcr': 'yes' }, 'agent'], [{ 'item.reason': 'wait' }, 'item.fcr']
  ]
  for (const [filter, groupBy] of questions) {
    for (const interval of [undefined, 'month']) {
      const query = new URLSearchParams(Object.entries({ ...filter, group_by: groupBy, interval })
        .filter((e): e is [string, string] => e[1] !== undefined))
      const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
      t.equal(res.statusCode, 200, `?${query}`)
      const body = res.json()
      check(`?${query} total`, filter, body.items, body.items_period)
      for (const b of body.series ?? []) check(`?${query} ${b.start}`, filter, b.items, b.covers)
      for (const g of body.groups ?? []) {
        check(`?${query} ${g.value}`, { ...filter, [groupBy!]: g.value }, g.items, body.items_period)
      }
    }
  }
  t.ok(shown > 40 && hidden > 5, `${shown} item results shown, ${hidden} suppressed`)
})

t.test('team results: the FCR rate over the surveys that share the item key, never one hidden part', async t => {
  const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
  const fcr = [ITEMS[0]!]
  const big = await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'desk', items: fcr })
  const small = await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'desk', items: fcr })
  const other = await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'desk', items: [] })
  const bigData: Answer[] = []
  for (const day of ['2026-01-05', '2026-01-12', '2026-02-03', '2026-02-17', '2026-03-09']) {
    for (let i = 0; i < 6; i++) bigData.push({ score: 1 + (i % 5), day, items: { fcr: i % 3 === 0 ? 'no' : 'yes' } })
  }
  // The small survey: February's FCR answers come from two people only (the rest skip the item).
  const smallData: Answer[] = [
    ...[1, 2, 3, 4, 5].map(score => ({ score, day: '2026-01-20', items: { fcr: 'yes' } })),
    ...[1, 2, 3, 4, 5].map((score, i) => ({ score, day: '2026-02-20', ...(i < 2 ? { items: { fcr: 'no' } } : {}) })),
    ...[1, 2, 3, 4, 5].map(score => ({ score, day: '2026-03-20', items: { fcr: 'no' } }))
  ]
  await seedAnswers(app, big.id, bigData)
  await seedAnswers(app, small.id, smallData)
  await seedAnswers(app, other.id, [1, 2, 3, 4, 5].map(score => ({ score, day: '2026-01-07' })))
  const res = await api(app, { url: '/v1/results?team=desk&metric=csat&interval=month' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  const months = Object.fromEntries(body.series.map((b: { start: string, items: unknown }) => [b.start, b.items]))
  const fcrOf = (data: Answer[], month: string): { yes: number, no: number } => {
    const given = data.filter(a => a.day.startsWith(month) && a.items?.fcr !== undefined)
    const yes = given.filter(a => a.items!.fcr === 'yes').length
    return { yes, no: given.length - yes }
  }
  for (const month of ['2026-01', '2026-03']) {
    const both = [fcrOf(bigData, month), fcrOf(smallData, month)]
    t.match(months[`${month}-01`].fcr, {
      suppressed: false,
      yes_no: { yes: both[0]!.yes + both[1]!.yes, no: both[0]!.no + both[1]!.no }
    }, `${month}: both surveys' answers`)
  }
  // February: the big survey shows its month; the small one's two answers would be the difference.
  t.match(months['2026-02-01'].fcr, { suppressed: true, answered: null, yes_no: null }, 'February is suppressed')
  t.match(body.items.fcr, { suppressed: true, suppression_reason: 'period' }, 'so is the total over the months')
  const jan = await api(app, { url: '/v1/results?team=desk&metric=csat&to=2026-01-31' })
  t.match(jan.json().items.fcr, { suppressed: false, answered: 12 + 5 }, 'a period of shown months shows')
})

t.test('item keys in filters and group_by must name a yes/no or choice item', async t => {
  const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', items: ITEMS })
  for (const [query, path] of [
    ['group_by=item.speed', 'query.group_by'], ['group_by=item.nothing', 'query.group_by'],
    ['item.drivers=kind', 'query.item.drivers'], ['item.note=x', 'query.item.note'],
    ['group_by=item.FCR', 'query.group_by']
  ] as const) {
    const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
    t.equal(res.statusCode, 400, query)
    t.equal(res.json().errors?.[0]?.path, path, `${query} names ${path}`)
  }
})

t.test('padding: one address answering an item many times counts as one person who answered it', async t => {
  const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', items: [ITEMS[0]!] })
  const collector = { channel: 'collector' as const }
  await seedAnswers(app, survey.id, [
    // The person: one answer with the item. The padder: nine from one address, all with the item.
    { score: 2, day: '2026-03-10', items: { fcr: 'no' }, ...collector, client: 'person' },
    ...Array.from({ length: 9 }, () =>
      ({ score: 5, day: '2026-03-10', items: { fcr: 'yes' }, ...collector, client: 'padder' })),
    // Three more people, who skip the item: the block has answers from five clients.
    ...['x', 'y', 'z'].map(client => ({ score: 4, day: '2026-03-10', ...collector, client }))
  ])
  const body = (await api(app, { url: `/v1/surveys/${survey.id}/results` })).json()
  t.match(body, { responses: 13, suppressed: false }, 'the answers are released (five people)')
  t.match(body.items.fcr, { suppressed: true, answered: null, yes_no: null }, 'the item was answered by two people')
  const grouped = (await api(app, { url: `/v1/surveys/${survey.id}/results?group_by=item.fcr` })).json()
  // Not even the group without the item: with the total, its count would tell how many answered.
  t.same(grouped.groups.map((g: { responses: number | null }) => g.responses), [null, null, null],
    'the groups by its answer show no count')
})

t.test('retention: months after the cut keep their item counts and results', async t => {
  const clock = testClock('2026-04-20T10:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app, {
    kind: 'post_case', metric: 'csat', min_group_size: MIN, items: ITEMS, retain_days: 70, comment_retain_days: 10
  })
  await seedAnswers(app, survey.id, itemDataset(23, 8))
  const itemRows = (): Promise<Array<Record<string, unknown>>> =>
    rows(app, 'SELECT month, combo, item, value, n, invited FROM response_item_counts ORDER BY 1, 2, 3, 4')
  const before = await itemRows()
  const march = async (): Promise<unknown> =>
    (await api(app, { url: `/v1/surveys/${survey.id}/results?from=2026-03-01&to=2026-03-31&group_by=item.fcr` }))
      .json()
  const results = await march()
  const purged = await purge(app.store, clock.now(), { retainDays: undefined, commentRetainDays: undefined })
  t.ok(purged.responses > 0, `${purged.responses} answers deleted`)
  // The cut's own month is counted again from its answers that stay; later months are untouched.
  const cut = (await rows<{ day: string }>(app, 'SELECT min(day) AS day FROM responses'))[0]!.day.slice(0, 7)
  t.ok(cut < '2026-03', `the cut is in ${cut}`)
  const after = (list: Array<Record<string, unknown>>): unknown => list.filter(r => (r.month as string) > cut)
  t.same(after(await itemRows()), after(before), 'the months after it count as before')
  t.notOk((await itemRows()).some(r => (r.month as string) < cut), 'the months before it are gone')
  const fcr = TEST_STORE === 'postgres' ? "items ->> 'fcr'" : "json_extract(items, '$.fcr')"
  const answered = Number((await rows<{ n: number }>(app, `SELECT count(*) AS n FROM responses
    WHERE substr(day, 1, 7) = '${cut}' AND ${fcr} IS NOT NULL`))[0]!.n)
  // A yes/no item is counted by its combinations (`item.fcr`): the answers to it are their sum.
  const counted = (await rows<{ combo: string, n: number }>(app,
    `SELECT combo, n FROM response_combo_scores WHERE month = '${cut}'`))
    .filter(r => JSON.parse(r.combo)['item.fcr'] !== undefined).reduce((acc, r) => acc + Number(r.n), 0)
  t.equal(counted, answered, 'the cut\'s month counts the item answers that stay')
  t.same(await march(), results, 'and read the same')
})
