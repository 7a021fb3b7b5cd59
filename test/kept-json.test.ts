import t from 'tap'
import { KEPT, parseKept } from '../src/db/kept-json.js'

// A survey's item definitions are read by every answer and parsed once (src/db/kept-json.ts):
// readers share the value, so none may change it for the others.

t.test('one value per text, shared and frozen all the way down', async t => {
  const text = '[{"key":"fcr","type":"yes_no","options":[{"key":"a","label":{"en":"A"}}]}]'
  const first = parseKept<Array<{ key: string, options: Array<{ label: { en: string } }> }>>(text)
  t.equal(parseKept(text.slice(0)), first, 'the same text gives the same value')
  t.same(first, JSON.parse(text), 'as JSON.parse gives it')
  t.throws(() => { first[0]!.key = 'changed' }, TypeError, 'an item cannot be changed')
  t.throws(() => { first[0]!.options[0]!.label.en = 'changed' }, TypeError, 'nor a text deep inside')
  t.throws(() => { first.push(first[0]!) }, TypeError, 'nor the list')
  t.equal(first[0]!.key, 'fcr')
})

t.test('a changed text is parsed anew; the oldest texts go first', async t => {
  const a = parseKept<number[]>('[1]')
  t.same(parseKept('[1, 2]'), [1, 2], 'another text, another value')
  for (let i = 0; i < KEPT; i++) parseKept(`[${i}, "fill"]`)
  const again = parseKept<number[]>('[1]')
  t.same(again, [1])
  t.not(again, a, 'kept no longer after as many other texts: parsed again')
})
