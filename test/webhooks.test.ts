import t from 'tap'
import { api, build, testClock } from './helpers/build.js'
import { count } from './helpers/puls.js'
import { startReceiver, verifyStandardWebhook, type Receiver } from './helpers/receiver.js'
import { webhookRetryDelay } from '../src/webhooks/worker.js'
import { guardedLookup, isForbiddenAddress } from '../src/webhooks/address.js'

// Outbound events: subscriptions, signed delivery from the webhook outbox to a real HTTP
// receiver on 127.0.0.1, retries and the disable rule, and what an event may carry.

const FAST = { WEBHOOK_RETRY_MIN_SECONDS: '0', WEBHOOK_TIMEOUT_SECONDS: '0.3', WEBHOOK_POLL_MS: '3600000' }

async function receiver (t: { teardown: (fn: () => unknown) => void }): Promise<Receiver> {
  const r = await startReceiver()
  t.teardown(() => r.close())
  return r
}

type App = Awaited<ReturnType<typeof build>>
async function subscribe (app: App, payload: object): Promise<{ id: string; secret: string; [k: string]: unknown }> {
  const res = await api(app, { method: 'POST', url: '/v1/webhooks', payload })
  if (res.statusCode !== 201) throw new Error(`subscription failed: ${res.body}`)
  return res.json()
}

const deliveries = async (app: App, id: string) =>
  (await api(app, { url: `/v1/webhooks/${id}/deliveries` })).json().items

t.test('a subscription answers its secret once; targets that are never allowed are refused', async t => {
  const app = await build(t, { env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,*.example.com' } })
  const made = await subscribe(app, { url: 'http://127.0.0.1:9/hook', events: ['results.released'] })
  t.match(made.secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
  t.match(made, { status: 'active', format: 'standard', locale: 'en', failures: 0, disabled_reason: null })
  const listed = (await api(app, { url: '/v1/webhooks' })).json().items
  t.equal(listed.length, 1)
  t.notOk('secret' in listed[0], 'never again in a list')
  t.notOk('secret' in (await api(app, { url: `/v1/webhooks/${made.id}` })).json(), 'nor when read')

  const refused = [
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/hook',
    'http://[::ffff:169.254.169.254]/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'ftp://hooks.example.com/',
    'https://user:pw@hooks.example.com/',
    'https://hooks.example.org/not-on-the-allowlist',
    'not a url'
  ]
  for (const url of refused) {
    const res = await api(app, { method: 'POST', url: '/v1/webhooks', payload: { url, events: ['survey.closed'] } })
    t.equal(res.statusCode, 400, url)
    t.match(res.json(), { errors: [{ path: 'body.url' }] }, url)
  }
  t.equal(
    (
      await api(app, {
        method: 'POST',
        url: '/v1/webhooks',
        payload: { url: 'https://a.example.com/x', events: ['nope'] }
      })
    ).statusCode,
    400
  )
  const unknown = await api(app, {
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: 'https://a.example.com/x', events: ['survey.closed'], survey_ids: ['srv_nope'] }
  })
  t.match(unknown.json(), { status: 400, errors: [{ path: 'body.survey_ids[0]' }] })
  t.equal(await count(app, 'webhook_subscriptions'), 1, 'nothing refused was stored')
  t.equal((await app.inject({ url: '/v1/webhooks' })).statusCode, 401, 'an API key is needed')

  t.equal((await api(app, { method: 'DELETE', url: `/v1/webhooks/${made.id}` })).statusCode, 200)
  t.equal((await api(app, { method: 'DELETE', url: `/v1/webhooks/${made.id}` })).statusCode, 404)
})

t.test('forbidden addresses, in every spelling', async t => {
  for (const a of [
    '169.254.169.254',
    '169.254.0.1',
    'fe80::1',
    'febf::1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    'fd00:ec2::254',
    '100.100.100.200',
    '0.0.0.0'
  ]) {
    t.ok(isForbiddenAddress(a), a)
  }
  const allowed = ['127.0.0.1', '10.0.0.5', '192.168.1.1', '::1', '2001:db8::1', '100.100.100.201']
  for (const a of allowed) { t.notOk(isForbiddenAddress(a), a) }
})

t.test('a test event arrives signed as Standard Webhooks describes; each attempt is visible', async t => {
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock, env: FAST })
  const rx = await receiver(t)
  const hook = await subscribe(app, { url: rx.url, events: ['survey.closed'] })
  const res = await api(app, { method: 'POST', url: `/v1/webhooks/${hook.id}/test` })
  t.equal(res.statusCode, 202)
  await app.webhooks.flush()
  t.equal(rx.received.length, 1)
  const [got] = rx.received
  t.equal(got!.headers['webhook-id'], res.json().delivery_id)
  t.ok(
    verifyStandardWebhook(hook.secret, got!.headers, got!.body, clock.now().getTime() / 1000),
    'the signature verifies'
  )
  t.notOk(
    verifyStandardWebhook(hook.secret, got!.headers, got!.body + ' ', clock.now().getTime() / 1000),
    'not over another body'
  )
  t.notOk(
    verifyStandardWebhook(
      'whsec_' + Buffer.alloc(32).toString('base64'),
      got!.headers,
      got!.body,
      clock.now().getTime() / 1000
    ),
    'nor with another key'
  )
  t.same(JSON.parse(got!.body), { type: 'webhook.test', date: '2026-03-02', data: {} })
  const [d] = await deliveries(app, hook.id)
  t.match(d, {
    id: res.json().delivery_id,
    event: 'webhook.test',
    state: 'delivered',
    attempts: [{ status: 200, error: null }]
  })
})

t.test('a 500 and a timeout are retried with the same id, signed afresh; success resets the failures', async t => {
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock, env: FAST })
  const rx = await receiver(t)
  const hook = await subscribe(app, { url: rx.url, events: ['survey.closed'] })
  rx.plan(500, 'hang', 200)
  await api(app, { method: 'POST', url: `/v1/webhooks/${hook.id}/test` })
  await app.webhooks.flush()
  t.equal(rx.received.length, 3)
  t.equal(new Set(rx.received.map(r => r.headers['webhook-id'])).size, 1, 'one id for every attempt')
  for (const r of rx.received) t.ok(verifyStandardWebhook(hook.secret, r.headers, r.body, clock.now().getTime() / 1000))
  const [d] = await deliveries(app, hook.id)
  t.equal(d.state, 'delivered')
  t.match(d.attempts, [
    { status: 500, error: 'HTTP 500' },
    { status: null, error: /no answer within 300 ms/ },
    { status: 200 }
  ])
  t.equal((await api(app, { url: `/v1/webhooks/${hook.id}` })).json().failures, 0)
})

t.test('retries back off exponentially over about a day', async t => {
  const policy = { maxAttempts: 12, retryMinMs: 60_000, retryMaxMs: 6 * 3_600_000 }
  const delays = Array.from({ length: 11 }, (_, i) => webhookRetryDelay(policy, i + 1)!)
  t.same(delays.slice(0, 4), [60_000, 120_000, 240_000, 480_000])
  const hours = delays.reduce((a, b) => a + b, 0) / 3_600_000
  t.ok(hours > 12 && hours < 36, `${hours.toFixed(1)} h from the first to the last attempt`)
  t.equal(webhookRetryDelay(policy, 12), null, 'then it is given up')
})

t.test(
  'a subscription whose delivery fails every attempt is disabled with the reason, and gets nothing more',
  async t => {
    const app = await build(t, { env: { ...FAST, WEBHOOK_MAX_ATTEMPTS: '3' } })
    const rx = await receiver(t)
    const hook = await subscribe(app, { url: rx.url, events: ['survey.closed'] })
    rx.plan(500, 500, 503, 200)
    await api(app, { method: 'POST', url: `/v1/webhooks/${hook.id}/test` })
    await app.webhooks.flush()
    t.equal(rx.received.length, 3)
    const read = (await api(app, { url: `/v1/webhooks/${hook.id}` })).json()
    t.equal(read.status, 'disabled')
    t.equal(read.failures, 3)
    t.match(read.disabled_reason, /3 attempts .* failed .* HTTP 503/)
    t.equal((await deliveries(app, hook.id))[0].state, 'failed')

    await api(app, { method: 'POST', url: `/v1/webhooks/${hook.id}/test` })
    await app.webhooks.flush()
    t.equal(rx.received.length, 3, 'a disabled subscription is not sent to')
    const enabled = await api(app, { method: 'POST', url: `/v1/webhooks/${hook.id}/enable` })
    t.match(enabled.json(), { status: 'active', disabled_reason: null, failures: 0 })
  }
)

t.test('names are resolved again when sending: every address must be allowed', async t => {
  const lookup = (host: string) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>(resolve => {
      guardedLookup(host, { all: true }, (err, address) => resolve({ err, address }))
    })
  const forbidden = await lookup('169.254.169.254')
  t.match(forbidden.err, { code: 'EFORBIDDEN' }, 'a name resolving to a metadata address is refused at connect time')
  const fine = await lookup('localhost')
  t.equal(fine.err, null)

  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock, env: FAST })
  const rx = await receiver(t)
  const hook = await subscribe(app, { url: rx.url.replace('127.0.0.1', 'localhost'), events: ['survey.closed'] })
  await api(app, { method: 'POST', url: `/v1/webhooks/${hook.id}/test` })
  await app.webhooks.flush()
  t.equal(rx.received.length, 1, 'delivered through the checked lookup')
})
