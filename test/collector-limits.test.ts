import t from 'tap'
import { hourOf, secondsToNextHour } from '../src/collectors/limits.js'

t.test('hour buckets: every instant falls in one hour, and the wait reaches the next one', async t => {
  const start = Date.UTC(2026, 0, 1)
  let checked = 0
  // Bounded random sample over a year, plus the edges of an hour.
  const instants = [start, start + 1, start + 3_599_999, start + 3_600_000]
  for (let i = 0; i < 2000; i++) instants.push(start + Math.floor(Math.random() * 365 * 86_400_000))
  for (const ms of instants) {
    const at = new Date(ms)
    const hour = hourOf(at)
    const wait = secondsToNextHour(at)
    if (wait < 1 || wait > 3600) t.fail(`wait ${wait} s at ${at.toISOString()}`)
    if (hour * 3_600_000 > ms || (hour + 1) * 3_600_000 <= ms) t.fail(`${at.toISOString()} is outside hour ${hour}`)
    if (hourOf(new Date(ms + wait * 1000)) !== hour + 1) {
      t.fail(`waiting ${wait} s from ${at.toISOString()} does not reach the next hour`)
    }
    checked++
  }
  t.equal(checked, instants.length)
  t.equal(secondsToNextHour(new Date(start)), 3600, 'on the hour: a whole hour')
  t.equal(secondsToNextHour(new Date(start + 3_599_999)), 1, 'a millisecond before: one second')
})
