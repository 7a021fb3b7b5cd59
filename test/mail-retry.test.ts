import fc from 'fast-check'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { describeFailure, isPermanent, retryDelay, type RetryPolicy } from '../src/mail/retry.js'

const policies = fc
  .record({
    minMs: fc.integer({ min: 0, max: 3_600_000 }),
    maxMs: fc.integer({ min: 0, max: 86_400_000 }),
    maxAttempts: fc.integer({ min: 1, max: 50 })
  })
  .map((p): RetryPolicy => ({ ...p, maxMs: Math.max(p.minMs, p.maxMs) }))

t.test('retry delays grow, never pass the cap, and stop after the last attempt', async t => {
  fc.assert(
    fc.property(policies, fc.integer({ min: 1, max: 200 }), (policy, attempts) => {
      const delay = retryDelay(policy, attempts)
      if (attempts >= policy.maxAttempts) return delay === null
      if (delay === null) return false
      const next = retryDelay(policy, attempts + 1)
      return (
        delay >= policy.minMs &&
        delay <= policy.maxMs &&
        (next === null || (next >= delay && next <= Math.max(policy.maxMs, 2 * delay)))
      )
    })
  )
  t.same(
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(n => retryDelay({ minMs: 60_000, maxMs: 3_600_000, maxAttempts: 10 }, n)),
    [60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000, null],
    'the default: a minute, doubling to an hour, ten attempts'
  )
})

t.test('stored and logged errors carry no address, whatever the server said', async t => {
  const local = fc.stringMatching(/^[a-z0-9._+-]{1,20}$/)
  const domain = fc.stringMatching(/^[a-z0-9-]{1,15}(\.[a-z]{2,6}){1,2}$/)
  fc.assert(
    fc.property(fc.string(), local, domain, fc.string(), (before, user, host, after) => {
      const address = `${user}@${host}`
      const described = describeFailure(new Error(`${before} <${address}> ${after}`))
      return !described.includes(address) && described.length <= 500
    })
  )
  t.equal(
    describeFailure(new Error('550 5.1.1 <bob@example.com>: Recipient address rejected')),
    '550 5.1.1 <[address]>: Recipient address rejected'
  )
})

t.test('only a recipient refused for good is permanent', async t => {
  t.ok(isPermanent({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }))
  t.ok(isPermanent({ code: 'EENVELOPE', command: 'API' }), 'an address nodemailer cannot send to')
  t.notOk(isPermanent({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 450 }), 'mailbox busy: later')
  t.notOk(
    isPermanent({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553 }),
    'our sender: an operator fixes it'
  )
  t.notOk(isPermanent({ code: 'EMESSAGE', command: 'DATA', responseCode: 554 }))
  t.notOk(isPermanent({ code: 'ECONNECTION' }))
  t.notOk(isPermanent(new Error('socket hang up')))
})

t.test('the retry policy comes from the environment, checked at start-up', async t => {
  t.same(loadConfig({}).mailWorker, { pollMs: 2000, maxAttempts: 10, retryMinMs: 60_000, retryMaxMs: 3_600_000 })
  t.same(loadConfig({ MAIL_MAX_ATTEMPTS: '3', MAIL_RETRY_MIN_SECONDS: '5', MAIL_RETRY_MAX_SECONDS: '5' }).mailWorker, {
    pollMs: 2000,
    maxAttempts: 3,
    retryMinMs: 5000,
    retryMaxMs: 5000
  })
  t.throws(
    () => loadConfig({ MAIL_RETRY_MIN_SECONDS: '600', MAIL_RETRY_MAX_SECONDS: '60' }),
    /MAIL_RETRY_MAX_SECONDS: must be at least MAIL_RETRY_MIN_SECONDS/
  )
  const err = t.throws(() => loadConfig({ MAIL_MAX_ATTEMPTS: '0', MAIL_POLL_MS: 'often' })) as ConfigError
  t.same(err.problems.map(p => p.split(':')[0]).sort(), ['MAIL_MAX_ATTEMPTS', 'MAIL_POLL_MS'])
})
