import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { DomUtils, parseDocument } from 'htmlparser2'
import t from 'tap'
import { forgetReleasedClients } from '../../src/results/engine/forget-clients.js'
import { api, build, testClock } from '../helpers/build.js'
import { createSurvey, rows, submitJson, type App } from '../helpers/puls.js'
import { type Answer, seedAnswers } from '../helpers/seed.js'
import { OTHER } from '../../src/results/outputs/export.js'
import { parseCsv } from './csv-parse.js'
import { run as dbRun } from '../../src/db/dialect.js'

// Plays the padding (n−1) attacker of docs/anonymity.md: a reader who can also answer. It adds
// answers of its own through every channel its access allows (collectors it creates, public
// collector URLs it was shown), knows exactly which answers those are, reads everything it can
// read (results with every interval, grouping and filter, the report, the CSV export, a share
// link's report, pending counts and "newer answers" notes), subtracts its own answers from every
// shown distribution and comment list, and fails if what is left is about fewer people than the
// minimum group size allows. The attacker counts as one person per client address it answered
// from: any respondent who reads results learns about the others of a group of min (min − 1 of
// them), and a minimum group size cannot promise more (docs/anonymity.md).

const MIN = 5
const MIN_COMMENTS = 10
const PERSON_COMMENT = 'The agent was rude to me'

interface Mine {
  day: string
  score: number
  comment?: string
  attributes: Record<string, string>
}
type Period = { from: string; to: string } | null

class Attacker {
  readonly mine: Mine[] = []
  /** Client addresses the attacker answered from: each is one person to the release rule. */
  readonly addresses = new Set<string>()
  /** Those it wrote comments from. */
  readonly commentedFrom = new Set<string>()
  readonly leaks: string[] = []
  readonly notes: string[] = []
  shown = 0

  constructor (
    readonly app: App,
    readonly scaleMin: number
  ) {}

  /** Answers through a collector URL as anyone holding it can: no key, no cookies. */
  async answer (
    token: string,
    day: string,
    score: number,
    attributes: Record<string, string>,
    from = '127.0.0.1',
    comment?: string
  ): Promise<void> {
    const res = await submitJson(this.app, token, comment === undefined ? { score } : { score, comment }, {
      remoteAddress: from
    })
    if (res.statusCode !== 201) throw new Error(`the attacker's answer was refused: ${res.statusCode} ${res.body}`)
    this.mine.push({ day, score, attributes, ...(comment === undefined ? {} : { comment }) })
    this.addresses.add(from)
    if (comment !== undefined) this.commentedFrom.add(from)
  }

  private own (period: Period, filters: Record<string, string | null>): Mine[] {
    if (period === null) return []
    return this.mine.filter(
      m =>
        m.day >= period.from &&
        m.day <= period.to &&
        Object.entries(filters).every(([k, v]) => (m.attributes[k] ?? null) === v)
    )
  }

  /** A shown distribution (counts per score from the scale's minimum) over a period and a slice. */
  distribution (what: string, period: Period, filters: Record<string, string | null>, counts: number[]): void {
    this.shown++
    const others = [...counts]
    for (const m of this.own(period, filters)) others[m.score - this.scaleMin]!--
    const n = others.reduce((a, b) => a + b, 0)
    if (others.some(c => c < 0)) {
      this.leaks.push(`${what}: shows fewer answers than the attacker added (${counts.join(',')})`)
    } else if (n > 0 && n < MIN - this.addresses.size) {
      this.leaks.push(
        `${what}: minus the attacker's own answers, the scores of ${n} other answer(s): ${others.join(',')}`
      )
    }
  }

  /** A shown list of comments: every comment the attacker did not write is someone else's. */
  comments (what: string, shown: string[]): void {
    this.shown++
    const left = [...shown]
    for (const m of this.mine) {
      const i = m.comment === undefined ? -1 : left.indexOf(m.comment)
      if (i >= 0) left.splice(i, 1)
    }
    if (left.length > 0 && left.length < MIN_COMMENTS - this.commentedFrom.size) {
      this.leaks.push(`${what}: ${left.length} comment(s) the attacker did not write: ${JSON.stringify(left)}`)
    }
  }
}

interface Cell {
  responses: number
  suppressed: boolean
  distribution: Array<{ score: number; count: number }> | null
}
interface Results extends Cell {
  period: Period
  pending_responses: number
  series?: Array<Cell & { covers: Period }>
  groups?: Array<Cell & { value: string | null }>
}

const counts = (c: Cell): number[] | null => c.distribution?.map(d => d.count) ?? null

/** Everything an API key reads about the survey: results, series, groupings, filters, report, CSV. */
async function readWithKey (
  a: Attacker,
  surveyId: string,
  attributes: Record<string, string>,
  label: string
): Promise<Results> {
  const ask = async (query: Record<string, string>): Promise<Results> => {
    const res = await api(a.app, { url: `/v1/surveys/${surveyId}/results?${new URLSearchParams(query).toString()}` })
    if (res.statusCode !== 200) throw new Error(`results ${JSON.stringify(query)}: ${res.body}`)
    return res.json()
  }
  const whole = await ask({})
  a.notes.push(`${label}: pending_responses ${whole.pending_responses}, responses ${whole.responses}`)
  for (const query of [{}, { interval: 'day' }, { interval: 'week' }, { interval: 'month' }] as Array<
    Record<string, string>
  >) {
    const r = await ask(query)
    const total = counts(r)
    if (total !== null) a.distribution(`${label} results ${JSON.stringify(query)}`, r.period, {}, total)
    for (const b of r.series ?? []) {
      const c = counts(b)
      if (c !== null) {
        a.distribution(`${label} series ${JSON.stringify(query)} ${b.covers?.from ?? ''}`, b.covers, {}, c)
      }
    }
  }
  const keys = Object.keys(attributes)
  for (const key of keys) {
    const grouped = await ask({ group_by: key })
    for (const g of grouped.groups ?? []) {
      const c = counts(g)
      if (c !== null) a.distribution(`${label} group_by ${key}=${g.value}`, grouped.period, { [key]: g.value }, c)
    }
    const filtered = await ask({ [key]: attributes[key]!, interval: 'month' })
    const c = counts(filtered)
    if (c !== null) a.distribution(`${label} filter ${key}`, filtered.period, { [key]: attributes[key]! }, c)
    for (const other of keys.filter(k => k !== key)) {
      const both = await ask({ [key]: attributes[key]!, group_by: other })
      for (const g of both.groups ?? []) {
        const d = counts(g)
        if (d !== null) {
          a.distribution(
            `${label} ${key} by ${other}=${g.value}`,
            both.period,
            { [key]: attributes[key]!, [other]: g.value },
            d
          )
        }
      }
    }
  }
  readReport(a, `${label} report`, (await api(a.app, { url: `/v1/surveys/${surveyId}/report?locale=en` })).body)
  readCsv(a, `${label} CSV`, (await api(a.app, { url: `/v1/surveys/${surveyId}/responses.csv` })).body)
  return whole
}

const DAY_TEXT = /([A-Z][a-z]{2} \d{1,2}, \d{4}) – ([A-Z][a-z]{2} \d{1,2}, \d{4})/
const isoDay = (text: string): string => new Date(`${text} 12:00 UTC`).toISOString().slice(0, 10)

/** What a report page shows: the period, "newer answers", the answers per score and the comments. */
function readReport (a: Attacker, what: string, html: string): string {
  const doc = parseDocument(html, { decodeEntities: true })
  const text = DomUtils.textContent(doc).replace(/\s+/g, ' ')
  const period = DAY_TEXT.exec(text)
  const titles = DomUtils.findAll(el => el.name === 'title', doc.children).map(el => DomUtils.textContent(el))
  const bars = titles.map(s => /^(\d+): (\d+) answers?$/.exec(s)).filter(m => m !== null)
  if (bars.length > 0 && period !== null) {
    const dist = new Array<number>(bars.length).fill(0)
    for (const m of bars) dist[Number(m[1]) - a.scaleMin] = Number(m[2])
    a.distribution(`${what} answers per score`, { from: isoDay(period[1]!), to: isoDay(period[2]!) }, {}, dist)
  }
  const list = DomUtils.findAll(el => el.name === 'ul' && el.attribs.class === 'comments', doc.children)
  const comments = list.flatMap(ul =>
    DomUtils.findAll(el => el.name === 'li', ul.children).map(li => DomUtils.textContent(li))
  )
  a.comments(`${what} comments`, comments)
  const pending = /\d+ newer answers? [^.]*\./.exec(text)
  if (pending !== null) a.notes.push(`${what}: "${pending[0]}"`)
  return text
}

/** The export: rows per time cell (a day or an interval of days), each with its score and comment. */
function readCsv (a: Attacker, what: string, body: string): void {
  const [header = [], ...rows] = parseCsv(body.replace(/^\uFEFF/, ''))
  const columns = header.slice(3)
  const cells = new Map<string, string[][]>()
  for (const row of rows) cells.set(row[2]!, [...(cells.get(row[2]!) ?? []), row])
  for (const [label, cell] of cells) {
    const [from, to] = label.includes('/') ? (label.split('/') as [string, string]) : [label, label]
    const scores = cell.map(r => Number(r[0]))
    const dist = new Array<number>(Math.max(...scores) - a.scaleMin + 1).fill(0)
    for (const s of scores) dist[s - a.scaleMin]!++
    a.distribution(`${what} ${label}`, { from, to }, {}, dist)
    // Each class of rows (the same attribute values, or the month's "(other)" rest) whose comments
    // show: the answers in it besides the attacker's must reach the comment minimum.
    const mine = a.mine.filter(m => m.day >= from && m.day <= to)
    const classes = new Map<string, string[][]>()
    for (const row of cell) {
      classes.set(row.slice(3).join('\u0000'), [...(classes.get(row.slice(3).join('\u0000')) ?? []), row])
    }
    let ownShown = 0
    const own = (values: string[]): number =>
      mine.filter(m => columns.every((c, i) => (m.attributes[c] ?? '') === values[i])).length
    for (const [key, rowsOf] of classes) if (!key.includes(OTHER)) ownShown += own(rowsOf[0]!.slice(3))
    for (const [key, rowsOf] of classes) {
      const comments = rowsOf.map(r => r[1]!).filter(c => c !== '' && !a.mine.some(m => m.comment === c))
      if (comments.length === 0) continue
      const others = rowsOf.length - (key.includes(OTHER) ? mine.length - ownShown : own(rowsOf[0]!.slice(3)))
      if (others < MIN_COMMENTS - a.commentedFrom.size) {
        a.leaks.push(
          `${what} ${label} class ${key.replaceAll('\u0000', ',')}: comments shown among ${others} other answers: ` +
            JSON.stringify(comments)
        )
      }
    }
  }
  a.comments(
    `${what} comments`,
    rows.map(r => r[1]!).filter(c => c !== '')
  )
}

async function collector (app: App, surveyId: string, payload: object): Promise<string> {
  const res = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${surveyId}/collectors`,
    payload: { label: 'Front desk', ...payload }
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  return (res.json().url as string).split('/s/')[1]!
}

t.test(
  "with an API key: a collector of its own with cooldown 0 does not release one invited person's answer",
  async t => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const app = await build(t, { clock })
    const survey = await createSurvey(app, { name: 'IT desk after a case', kind: 'post_case', team: 'it' })
    const a = new Attacker(app, 1)
    const attributes = { team: 'it', agent: 'ola', category: 'printer' }
    const closed = await api(app, {
      method: 'POST',
      url: '/v1/events/case-closed',
      payload: { case_ref: 'C-1', email: 'person@example.com', team: 'it', agent: 'ola', category: 'printer' }
    })
    t.equal(closed.statusCode, 201)
    // The person answers the mailed link; the test plays the mailer, which knows the token it sent.
    const mailed = 'mailed-token-known-to-the-mailer-only-padding1'
    const mailedHash = createHash('sha256').update(mailed).digest('hex')
    await dbRun(app.store.db, sql`UPDATE invitations SET token_hash = ${mailedHash} WHERE case_ref = 'C-1'`)
    t.equal(
      (await submitJson(app, mailed, { score: 2, comment: PERSON_COMMENT }, { remoteAddress: '192.0.2.10' }))
        .statusCode,
      201
    )
    t.equal(
      (await readWithKey(a, survey.id, attributes, 'day 0')).pending_responses,
      1,
      'the reader sees that someone answered'
    )

    const token = await collector(app, survey.id, { attributes, cooldown_seconds: 0 })
    for (let i = 0; i < 9; i++) await a.answer(token, '2026-03-10', 5, attributes)

    clock.advanceDays(1)
    await readWithKey(a, survey.id, attributes, 'day 1')
    // A month later the month is complete: questions about attributes are answered too.
    clock.set('2026-04-02T09:00:00Z')
    await readWithKey(a, survey.id, attributes, 'next month')
    t.same(
      a.leaks,
      [],
      `the attacker learns nothing about the person (${a.shown} distributions and comment lists read; ` +
        `${a.notes.join('; ')})`
    )
  }
)

t.test(
  "with only a share link: nine answers through the poster's public URL do not release the one before them",
  async t => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const app = await build(t, { clock })
    const survey = await createSurvey(app, { name: 'Canteen', kind: 'self_service', team: 'facilities' })
    const a = new Attacker(app, 1)
    // What the admin set up: a poster with a QR code, and a share link for the team.
    const poster = await collector(app, survey.id, { attributes: { place: 'canteen' } })
    const link = await api(app, {
      method: 'POST',
      url: `/v1/surveys/${survey.id}/share-links`,
      payload: { locale: 'en' }
    })
    const report = new URL(link.json().url as string).pathname
    const read = async (what: string): Promise<string> => readReport(a, what, (await app.inject({ url: report })).body)

    t.equal(
      (await submitJson(app, poster, { score: 1, comment: PERSON_COMMENT }, { remoteAddress: '192.0.2.20' }))
        .statusCode,
      201
    )
    t.match(await read('day 0'), /1 newer answer/, 'the share link says that someone answered')
    for (let i = 0; i < 9; i++) await a.answer(poster, '2026-03-10', 5, { place: 'canteen' })

    clock.advanceDays(1)
    const day1 = await read('day 1')
    t.same(a.leaks, [], `the attacker learns nothing about the person (${a.notes.join('; ')})`)
    t.match(day1, /waiting for answers from more people/i, 'the report says why the answers are still pending')

    // Three more people answer at the poster: with the attacker's one address, five people answered,
    // and the block is released; minus its own answers, the attacker sees four others' scores, as
    // any of the five would.
    for (const [i, from] of ['192.0.2.21', '192.0.2.22', '192.0.2.23'].entries()) {
      t.equal((await submitJson(app, poster, { score: 3 + (i % 2) }, { remoteAddress: from })).statusCode, 201)
    }
    clock.advanceDays(1)
    const day2 = await read('day 2')
    t.match(day2, /5: 9 answers/, 'five people answered: the block is released')
    t.same(
      a.leaks,
      [],
      `released among five people, the attacker learns no fewer than four others' answers (${a.notes.join('; ')})`
    )
  }
)

t.test(
  "in a busy survey: a collector with one person's attributes does not make that person's group large enough to show",
  async t => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const app = await build(t, { clock })
    const survey = await createSurvey(app, { name: 'IT desk after a case', kind: 'post_case', team: 'it' })
    const a = new Attacker(app, 1)
    // A month of invited answers for agents a and b, and the one person who had agent ola.
    const busy: Answer[] = []
    for (let d = 2; d <= 10; d++) {
      for (const [i, agent] of ['a', 'a', 'b', 'b', 'a'].entries()) {
        busy.push({
          day: `2026-03-${String(d).padStart(2, '0')}`,
          score: 1 + ((d + i) % 5),
          attributes: { team: 'it', agent, category: i % 2 === 0 ? 'printer' : 'network' }
        })
      }
    }
    const ola = { team: 'it', agent: 'ola', category: 'printer' }
    busy.push({ day: '2026-03-10', score: 2, comment: PERSON_COMMENT, attributes: ola })
    await seedAnswers(app, survey.id, busy)
    // People at the lobby poster, each from their own address, so the day's block is released.
    const lobby = await collector(app, survey.id, { attributes: { team: 'it', place: 'lobby' } })
    for (let i = 0; i < 5; i++) {
      t.equal((await submitJson(app, lobby, { score: 4 }, { remoteAddress: `192.0.2.${30 + i}` })).statusCode, 201)
    }

    const token = await collector(app, survey.id, { attributes: ola, cooldown_seconds: 0 })
    for (let i = 0; i < 9; i++) await a.answer(token, '2026-03-10', 5, ola)

    clock.set('2026-04-02T09:00:00Z')
    const read = await readWithKey(a, survey.id, ola, 'next month')
    t.ok(read.responses > 50, 'the month is released')
    t.same(
      a.leaks,
      [],
      `the attacker learns nothing about the person (${a.shown} distributions and comment lists read)`
    )
  }
)

t.test(
  'client keys are kept only while their answers wait, and erasing them changes nothing a reader sees',
  async t => {
    const clock = testClock('2026-03-10T09:00:00Z')
    const app = await build(t, { clock })
    const survey = await createSurvey(app, { name: 'Canteen', kind: 'self_service', team: 'facilities' })
    const poster = await collector(app, survey.id, { attributes: { place: 'canteen' } })
    for (let i = 0; i < 5; i++) {
      t.equal((await submitJson(app, poster, { score: 4 }, { remoteAddress: `198.51.100.${i + 1}` })).statusCode, 201)
    }
    // IPv6 clients count by their /64: two addresses of one network are one person.
    for (const from of ['2001:db8:1:1::1', '2001:db8:1:1::2']) {
      t.equal((await submitJson(app, poster, { score: 2 }, { remoteAddress: from })).statusCode, 201)
    }
    const keys = (): Promise<Array<{ kind: string; client: string; day: string }>> =>
      rows(app, 'SELECT kind, client, day FROM collector_clients')
    t.equal((await keys()).filter(k => k.kind === 'answer').length, 6,
      'six people: five IPv4 addresses and one IPv6 /64')
    t.notMatch(JSON.stringify(await keys()), /198\.51\.100|2001:db8/, 'keyed hashes, never the address')

    clock.advanceDays(1)
    // A new answer today: its key stays until its own block is released.
    t.equal((await submitJson(app, poster, { score: 5 }, { remoteAddress: '198.51.100.9' })).statusCode, 201)
    const before = (await api(app, { url: `/v1/surveys/${survey.id}/results` })).json()
    t.match(before, { responses: 7, pending_responses: 1, pending_reasons: ['today'] }, 'six people: released')
    t.same(
      await forgetReleasedClients(app.store, clock.now()),
      { erased: 6 },
      "the released day's keys for blocks go"
    )
    t.same(
      (await keys())
        .filter(k => k.kind === 'answer')
        .map(k => k.day),
      ['2026-03-11'],
      "only today's client is still held for blocks"
    )
    t.equal(
      (await keys()).filter(k => k.kind === 'cell' && k.day === '2026-03-10').length,
      6,
      'keys for cells wait until the month is complete'
    )
    t.same(
      await rows(app, 'SELECT kind, day, clients FROM collector_client_days'),
      [{ kind: 'answer', day: '2026-03-10', clients: 6 }],
      'their count stays'
    )
    const after = (await api(app, { url: `/v1/surveys/${survey.id}/results` })).json()
    t.same(after, before, 'results read the same')

    for (let i = 0; i < 4; i++) {
      t.equal((await submitJson(app, poster, { score: 3 }, { remoteAddress: `203.0.113.${i + 1}` })).statusCode, 201)
    }
    clock.set('2026-04-02T09:00:00Z')
    const month = (await api(app, { url: `/v1/surveys/${survey.id}/results?group_by=place` })).json()
    t.match(
      month,
      { responses: 12, groups: [{ value: 'canteen', responses: 12, suppressed: false }] },
      'March is complete'
    )
    t.same(await forgetReleasedClients(app.store, clock.now()), { erased: 16 }, 'then every key of March goes')
    t.same(await keys(), [], 'no key is held')
    t.same(
      (await api(app, { url: `/v1/surveys/${survey.id}/results?group_by=place` })).json(),
      month,
      'and results read the same'
    )
  }
)

t.test("a collector set to count answers releases one address's answers: open to padding, by choice", async t => {
  const clock = testClock('2026-03-10T09:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { name: 'Kiosk', kind: 'self_service', team: 'facilities' })
  const byClient = await collector(app, survey.id, { label: 'Poster', cooldown_seconds: 0 })
  for (let i = 0; i < 5; i++) await submitJson(app, byClient, { score: 3 }, { remoteAddress: '198.51.100.7' })
  clock.advanceDays(1)
  t.match(
    (await api(app, { url: `/v1/surveys/${survey.id}/results` })).json(),
    { responses: 0, pending_responses: 5, pending_reasons: ['people'] },
    'five answers from one address are one person'
  )
  const kiosk = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${survey.id}/collectors`,
    payload: { label: 'Kiosk', cooldown_seconds: 0, release: 'answers' }
  })
  t.equal(kiosk.json().release, 'answers')
  const bad = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${survey.id}/collectors`,
    payload: { label: 'Kiosk', release: 'people' }
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /release/, 'a bad setting is refused, naming the field')
  for (let i = 0; i < 5; i++) {
    await submitJson(
      app,
      (kiosk.json().url as string).split('/s/')[1]!,
      { score: 5 },
      { remoteAddress: '198.51.100.7' }
    )
  }
  clock.advanceDays(1)
  t.match(
    (await api(app, { url: `/v1/surveys/${survey.id}/results` })).json(),
    { responses: 10, pending_responses: 0 },
    "the kiosk counts each answer as a person, and with them the poster's one person is released"
  )
})

t.test('in the CSV: answers added to a group do not make its comments show among too few people', async t => {
  const clock = testClock('2026-03-10T09:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { name: 'IT desk after a case', kind: 'post_case', team: 'it' })
  const a = new Attacker(app, 1)
  // Invited answers with comments: agents a and b, and seven people (the person among them) of ola.
  const busy: Answer[] = []
  for (let d = 2; d <= 10; d++) {
    for (const [i, agent] of ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'].entries()) {
      busy.push({
        day: `2026-03-${String(d).padStart(2, '0')}`,
        score: 1 + ((d + i) % 5),
        comment: `about ${agent} ${d}-${i}`,
        attributes: { agent }
      })
    }
  }
  for (let i = 0; i < 7; i++) {
    busy.push({
      day: '2026-03-10',
      score: 2 + (i % 3),
      comment: i === 0 ? PERSON_COMMENT : `ola ${i}`,
      attributes: { agent: 'ola' }
    })
  }
  await seedAnswers(app, survey.id, busy)
  const lobby = await collector(app, survey.id, { attributes: { agent: 'lobby' } })
  for (let i = 0; i < 5; i++) {
    t.equal((await submitJson(app, lobby, { score: 4 }, { remoteAddress: `192.0.2.${40 + i}` })).statusCode, 201)
  }
  const token = await collector(app, survey.id, { attributes: { agent: 'ola' }, cooldown_seconds: 0 })
  for (let i = 0; i < 9; i++) await a.answer(token, '2026-03-10', 5, { agent: 'ola' })

  clock.set('2026-04-02T09:00:00Z')
  const csv = (await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })).body
  t.match(csv, /^\uFEFFscore,comment,day,agent\r\n/, 'the export has the agent column')
  t.match(csv, /about a 2-0/, 'comments of large groups show')
  readCsv(a, 'CSV', csv)
  t.same(a.leaks, [], 'no comment shows in a group of fewer than ten people besides the attacker')
})

t.test('items: one address\'s answers do not make another person\'s rating show, in the CSV or the report', async t => {
  const app = await build(t, { clock: testClock('2026-04-20T10:00:00Z') })
  const survey = await createSurvey(app, {
    kind: 'self_service', metric: 'csat', min_group_size: MIN, items: [{ key: 'speed', type: 'rating' }]
  })
  const day = '2026-03-02'
  const collector = (client: string, extra: Partial<Answer> = {}): Answer =>
    ({ score: 4, day, channel: 'collector', client, ...extra })
  await seedAnswers(app, survey.id, [
    // Five people answer the score only; one rates speed 1; the attacker rates 5 ten times from one address.
    ...['p1', 'p2', 'p3', 'p4', 'p5'].map(c => collector(c)),
    collector('rater', { items: { speed: 1 } }),
    ...Array.from({ length: 10 }, () => collector('attacker', { items: { speed: 5 } }))
  ])
  const csv = parseCsv((await api(app, { url: `/v1/surveys/${survey.id}/responses.csv` })).body.slice(1))
  const column = csv[0]!.indexOf('item.speed')
  t.ok(column > 0, 'the export has the speed column')
  t.equal(csv.length - 1, 16, 'the answers are released')
  t.same([...new Set(csv.slice(1).map(r => r[column]))], ['(hidden)'],
    'two people rated speed: hidden in every row, so the attacker cannot subtract its ten fives')
  const report = (await api(app, { url: `/v1/surveys/${survey.id}/report` })).body
  const start = report.indexOf('<section data-item="speed">')
  const section = report.slice(start, report.indexOf('</section>', start))
  t.match(section, 'Too few answers to this question')
  t.notMatch(section, /data-item-summary|<svg/)
})
