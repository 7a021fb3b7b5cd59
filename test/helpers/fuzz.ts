import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { all as dbAll } from '../../src/db/dialect.js'
import { API_KEY } from './build.js'

/** One route to fuzz: a valid request, which the fuzzer then bends and breaks. */
export interface FuzzRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** The path, with `:name` parameters filled from `params` (or junk). */
  url: string
  /** Values a valid request would use for the path parameters, e.g. an existing survey's id. */
  params?: Record<string, string>
  /** A valid query. */
  query?: Record<string, string>
  /** A valid body; set for every route that takes one. */
  body?: Record<string, unknown>
  /** Needs the API key: sent valid most of the time, so that bodies reach validation. */
  auth?: boolean
  /** Errors render as a friendly HTML page unless the client asks for JSON (`config.errorPage`). */
  errorPages?: boolean
}

/** Fixed unless FUZZ_SEED is set, so a failure replays; fast-check prints the seed and path. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_260_302)
/** Kept small for a 2-core machine; FUZZ_RUNS=2000 for a deeper local run. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 60)

// ---- hostile values ------------------------------------------------------------------------

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uFEFF',
  '\u202Eevil',
  '\uD800',
  '\uDFFF\uD800',
  '🙂'.repeat(300),
  'x'.repeat(5000),
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' OR 1=1 --",
  '"; DROP TABLE surveys; --',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '%E0%A4%A',
  '$' + '{jndi:ldap://x/a}',
  '{{constructor.constructor}}',
  '=HYPERLINK("http://x")',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'NaN',
  'Infinity',
  '-1',
  '1e400',
  '0x10',
  '9007199254740993',
  'null',
  'true',
  '[]',
  '{}',
  'post_case ',
  'NPS',
  'en-US',
  'EN'
]
const HOSTILE_NUMBERS = [
  0,
  -0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  -(2 ** 63),
  Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER
]
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype']

const anyString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }), // any code point, lone surrogates included
  fc.string({ unit: 'grapheme', maxLength: 20 })
)

const scalar = fc.oneof(
  anyString,
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(null, true, false)
)

/** JSON text of any value, nested junk and keys that pollute prototypes included. */
const jsonValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>(tie => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar.map(v => JSON.stringify(v)),
    fc.array(tie('value'), { maxLength: 4 }).map(items => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...POLLUTING_KEYS), anyString), tie('value')), { maxLength: 4 })
      .map(entries => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`)
  )
})).value

/** Raw request bodies no JSON serializer would produce. */
const rawJunk = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    'null',
    '[]',
    '"string"',
    '1e400',
    '{"a":1e400}',
    '{"a":123456789012345678901234567890}',
    '{"__proto__":{"polluted":"yes"}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"a":1,"a":2}',
    '\uFEFF{}',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}'
  ),
  fc.integer({ min: 100, max: 20_000 }).map(n => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 100, max: 5_000 }).map(n => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 200 })
)

// ---- mutations of a valid request ----------------------------------------------------------

/** encodeURIComponent; a string with a lone surrogate (which it refuses) keeps one as raw bytes. */
function encode (value: string): string {
  try {
    return encodeURIComponent(value)
  } catch {
    return '%ED%A0%80' + encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, ''))
  }
}

function objectText (entries: Array<[string, string]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`
}

/** A valid body bent one way: a field replaced, dropped or added, or something else entirely. */
function bodyText (valid: Record<string, unknown>): fc.Arbitrary<string> {
  const entries = Object.entries(valid).map(([k, v]): [string, string] => [k, JSON.stringify(v)])
  const keys = Object.keys(valid)
  const oneOf = <T>(items: T[]): fc.Arbitrary<T> => fc.constantFrom(...items)
  return fc.oneof(
    fc.constant(objectText(entries)),
    fc
      .tuple(oneOf(keys), jsonValue)
      .map(([key, value]) => objectText(entries.map(([k, v]) => [k, k === key ? value : v]))),
    oneOf(keys).map(key => objectText(entries.filter(([k]) => k !== key))),
    fc
      .tuple(fc.oneof(fc.constantFrom(...POLLUTING_KEYS), anyString), jsonValue)
      .map(([k, v]) => objectText([...entries, [k, v]])),
    jsonValue,
    rawJunk
  )
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'application/xml',
  'application/problem+json',
  'application/vnd.api+json',
  'application/json, text/html',
  ';',
  ''
]

/** A form body: the valid fields and junk, as a browser form or a careless client would send them. */
function formText (valid: Record<string, unknown>): fc.Arbitrary<string> {
  const pairs = Object.entries(valid)
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => [k, String(v)])
  return fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom('__proto__[x]', 'constructor[prototype][x]', 'a[]', 'a[b][c]'), anyString),
        anyString
      ),
      { maxLength: 4 }
    )
    .map(junk => [...pairs, ...junk].map(([k, v]) => `${encode(k!)}=${encode(v!)}`).join('&'))
}

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map(c => String.fromCharCode(c)),
  maxLength: 60
})

const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant(`Bearer ${API_KEY}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `bearer ${API_KEY} extra`,
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      `Bearer ${API_KEY}\u0000`
    )
  },
  { weight: 1, arbitrary: printable.map(s => `Bearer ${s}`) }
)

/** Extra headers, hostile ones included; values stay printable ASCII, as an HTTP parser demands. */
const headers = fc.record(
  {
    accept: fc.constantFrom(
      undefined,
      'application/json',
      'text/html',
      '*/*',
      'application/xml',
      'text/html;q=0.1, application/json',
      ';;;'
    ),
    'accept-language': fc.oneof(fc.constantFrom(undefined, 'nb', 'de-DE,de;q=0.9', '*', 'xx-invalid;q=abc'), printable),
    'x-forwarded-for': fc.constantFrom(undefined, '203.0.113.9', 'junk, , 999.1.1.1'),
    'idempotency-key': fc.oneof(fc.constant(undefined), printable),
    extra: fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), printable)
  },
  { requiredKeys: [] }
)

/** A query: the valid one with values swapped, keys repeated, junk added, or raw undecodable text. */
function queryText (valid: Record<string, string>): fc.Arbitrary<string> {
  const base = Object.entries(valid)
  const pair = fc.tuple(
    fc.oneof(fc.constantFrom(...Object.keys(valid), ...POLLUTING_KEYS, '__proto__[x]', 'limit', 'cursor'), anyString),
    anyString
  )
  return fc.oneof(
    fc
      .array(pair, { maxLength: 4 })
      .map(junk => [...base, ...junk].map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')),
    fc.constantFrom(
      '%',
      '%E0%A4%A',
      'a=%00',
      '&&&=&',
      'limit=1&limit=2',
      'limit=1e3',
      'limit=-0',
      'cursor=%FF%FE',
      '__proto__[polluted]=yes',
      'a'.repeat(3000)
    )
  )
}

function pathFor (route: FuzzRoute): fc.Arbitrary<string> {
  const names = [...route.url.matchAll(/:(\w+)|\*/g)].map(m => m[1] ?? '*')
  if (names.length === 0) return fc.constant(route.url)
  const value = (name: string) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(encode(route.params?.[name] ?? 'x')) },
      { weight: 1, arbitrary: anyString.map(encode) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '..%2F..%2Fpackage.json',
          '%2e%2e/%2e%2e/',
          '%00',
          '%',
          'a/b/c',
          '.',
          '..',
          'x'.repeat(3000)
        )
      }
    )
  return fc.tuple(...names.map(value)).map(values => {
    let i = 0
    return route.url.replace(/:(\w+)|\*/g, () => values[i++]!)
  })
}

/** Requests for one route: mostly its own method and shape, bent by every means above. */
export function fuzzRequests (route: FuzzRoute): fc.Arbitrary<InjectOptions> {
  const takesBody = route.body !== undefined
  return fc
    .record({
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') }
      ),
      path: pathFor(route),
      query: route.query === undefined ? fc.oneof(fc.constant(''), queryText({})) : queryText(route.query),
      contentType: fc.oneof(
        { weight: 3, arbitrary: fc.constant(takesBody ? 'application/json' : undefined) },
        { weight: 1, arbitrary: fc.constantFrom(undefined, ...CONTENT_TYPES) }
      ),
      body: takesBody
        ? fc.oneof({ weight: 4, arbitrary: bodyText(route.body!) }, { weight: 1, arbitrary: formText(route.body!) })
        : fc.oneof(fc.constant(undefined), rawJunk),
      authorization: route.auth === true ? authorization : fc.oneof(fc.constant(undefined), authorization),
      headers
    })
    .map(r => {
      const h: Record<string, string> = {}
      for (const [k, v] of Object.entries(r.headers)) {
        if (k === 'extra') h[(v as [string, string])[0]] = (v as [string, string])[1]
        else if (v !== undefined) h[k] = v as string
      }
      if (r.authorization !== undefined) h.authorization = r.authorization
      if (r.contentType !== undefined && r.body !== undefined) h['content-type'] = r.contentType
      const opts: InjectOptions = {
        method: r.method as InjectOptions['method'],
        url: r.query === '' ? r.path : `${r.path}?${r.query}`,
        headers: h
      }
      if (r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD') opts.payload = r.body
      return opts
    })
}

// ---- the properties --------------------------------------------------------------------------

/** Every row of every table, in a stable order: what "nothing changed" is checked against. */
export async function snapshot (app: FastifyInstance): Promise<string> {
  const tables = await dbAll<{ name: string }>(app.store.db, app.store.kind === 'postgres'
    ? sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`
    : sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
  const out = []
  for (const { name } of tables) {
    const all = await dbAll(app.store.db, sql.raw(`SELECT * FROM "${name}"`))
    // A background job's claim of its period (src/plugins/jobs.ts) may land during a request.
    out.push([name, all.map(r => JSON.stringify(r)).filter(r => !r.includes('"job_started:')).sort()])
  }
  return JSON.stringify(out)
}

export interface FuzzOutcome {
  statuses: Map<number, number>
}

/**
 * Sends FUZZ_RUNS random requests for `route` and asserts, for each: never a 5xx; every 4xx is a
 * problem+json body naming its status (or the route's friendly HTML page); a 4xx changes no row of
 * any table; and no request pollutes Object.prototype. Returns how often each status came back,
 * so a test can check the fuzzer got past validation at all.
 */
export async function fuzzRoute (app: FastifyInstance, route: FuzzRoute): Promise<FuzzOutcome> {
  const statuses = new Map<number, number>()
  await fc.assert(
    fc.asyncProperty(fuzzRequests(route), async request => {
      // Mail queued by an earlier, accepted request is sent (and its row settled) first, so that
      // the only writer between the two snapshots is this request.
      await app.outbox.flush()
      const before = await snapshot(app)
      const res = await app.inject(request)
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      const where = `${request.method} ${String(request.url).slice(0, 200)} → ${res.statusCode}`
      if (res.statusCode >= 500) throw new Error(`${where}: a server error: ${res.body.slice(0, 500)}`)
      if (Object.hasOwn(Object.prototype, 'polluted')) {
        throw new Error(`${where}: Object.prototype was polluted`)
      }
      if (res.statusCode < 400) return
      const type = String(res.headers['content-type'] ?? '')
      const html = route.errorPages === true && type.startsWith('text/html')
      if (!html && !type.startsWith('application/problem+json')) {
        throw new Error(`${where}: a ${type} error instead of problem+json`)
      }
      if (!html && request.method !== 'HEAD') {
        const body = res.json() as Record<string, unknown>
        if (
          body.status !== res.statusCode ||
          typeof body.title !== 'string' ||
          typeof body.detail !== 'string' ||
          typeof body.code !== 'string'
        ) {
          throw new Error(`${where}: not a problem body: ${res.body.slice(0, 300)}`)
        }
      }
      if (await snapshot(app) !== before) throw new Error(`${where}: the database changed on a refused request`)
    }),
    { seed: FUZZ_SEED, numRuns: FUZZ_RUNS }
  )
  return { statuses }
}
