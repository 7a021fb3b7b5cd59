import t from 'tap'
import { build } from './helpers/build.js'
import { count, createSurvey, invite, linkToken, submitJson } from './helpers/puls.js'

// Two instances of the service on one database (docs/postgres.md, "Several instances"): what a
// respondent and an integration must never see twice, whichever instance their requests reach.
// On SQLite both instances open the one file; on PostgreSQL they are two pools on one database,
// whose transactions really run side by side.

interface Tap {
  teardown: (fn: () => unknown) => void
}

async function twoInstances (t: Tap): Promise<Record<'a' | 'b', Awaited<ReturnType<typeof build>>>> {
  const a = await build(t)
  const b = await build(t, { dataDir: a.dataDir })
  return { a, b }
}

t.test('a link takes one answer when two instances receive its submits at the same moment', async t => {
  const { a, b } = await twoInstances(t)
  const survey = await createSurvey(a)
  const links = []
  for (let i = 0; i < 8; i++) links.push(await linkToken(a, survey.id))
  const statuses = await Promise.all(links.map(async (token, i) => {
    const both = await Promise.all([submitJson(a, token, { score: 1 + (i % 5) }), submitJson(b, token, { score: 5 })])
    return both.map(res => res.statusCode).sort()
  }))
  t.same(statuses, links.map(() => [201, 409]), 'each link: one answer taken, the other refused as already answered')
  t.equal(await count(a, 'responses'), links.length, 'one response per link')
  t.equal(await count(b, 'invitations WHERE status = \'answered\''), links.length)
})

t.test('two retries of one invitation batch racing on two instances store it once', async t => {
  const { a, b } = await twoInstances(t)
  const survey = await createSurvey(a)
  const payload = { email: 'a@example.com', case_ref: 'CASE-1' }
  const [first, second] = await Promise.all([
    invite(a, survey.id, payload, { 'idempotency-key': 'req-1' }),
    invite(b, survey.id, payload, { 'idempotency-key': 'req-1' })
  ])
  t.same([first.statusCode, second.statusCode], [201, 201])
  t.same(second.json(), first.json(), 'the same answer to both')
  t.same(
    [first.headers['idempotent-replayed'], second.headers['idempotent-replayed']].sort(),
    ['true', undefined],
    'one ran, the other was answered from the stored key'
  )
  t.equal(await count(a, 'invitations'), 1, 'one invitation, so one mail')
  t.equal(await count(a, 'outbox'), 1)
})
