import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import t, { type Test } from 'tap'
import { cliOn, type CliRun } from './helpers/cli.js'
import { API_KEY, api, build, onlyOn } from './helpers/build.js'
import { count, createSurvey, rows, type App } from './helpers/puls.js'
import { ensureSystemPackage, TEST_PACKAGES } from './helpers/system-package.js'
import { run as dbRun } from '../src/db/dialect.js'

// `npm run puls -- invite --survey <id> <file.csv>`, run in-process against the database of a
// running app (as an operator runs it beside the service), then read back over HTTP and SQL.

type Run = CliRun

// On the app's own database: its data folder, or its PostgreSQL database when the tests run there.
async function cli (app: App, ...args: string[]): Promise<Run> {
  return await cliOn(app, args, { PULS_API_KEY: API_KEY, LOG_LEVEL: 'silent' })
}

/** The summary's count per status, from the lines the command printed. */
function summary (run: Run): Record<string, number> {
  return Object.fromEntries(
    run.out
      .flatMap(l => /^ {2}(\w+)\s+(\d+)$/.exec(l)?.slice(1, 3) ?? [])
      .reduce<Array<[string, number]>>(
        (pairs, v, i, all) => (i % 2 === 0 ? [...pairs, [v, Number(all[i + 1])]] : pairs),
        []
      )
  )
}

async function relationshipSurvey (app: App): Promise<string> {
  return (
    await createSurvey(app, { name: 'Staff survey 2026', kind: 'relationship', team: 'hr', default_locale: 'en' })
  ).id
}

/** A fresh folder per call (t.testdir() empties its one folder on every call), removed after the test. */
function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'puls-csv-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function csvFile (t: Test, name: string, text: string): string {
  const file = join(tempDir(t), name)
  writeFileSync(file, text)
  return file
}

const PEOPLE =
  [
    'email,locale,team,site', //                                 line 1
    'anna@example.com,de,hr,oslo', //                            2
    'bjorn@example.com,nb,it,', //                               3: no site
    'carl@example.com,en,it,berlin', //                          4
    '', //                                                       5: blank lines are skipped
    'dora@example.com,,hr,oslo', //                              6: blank locale
    'eve@example.com,fr,hr,oslo', //                             7: unknown locale
    'not-an-address,en,hr,oslo', //                              8: invalid
    'frank@example.com,en,hr', //                                9: a field short
    '"gina@example.com",DE-ch,"Oslo, floor 3","bergen', //       10: quoted, comma and line break
    '"', //                                                      11: (trimmed: no control characters inside values)
    'ANNA@Example.com ,de,hr,oslo', //                           12: anna again
    ',en,hr,oslo', //                                            13: no address
    'hal@example.com,en,hr!,oslo', //                            14: fine: values are free text
    'ida@example.com,en,hr,' + 'x'.repeat(201) //                15: attribute value too long
  ].join('\n') + '\n'

t.test(
  'a file of people: valid rows invited in three locales with attributes, invalid ones named by line and skipped',
  async t => {
    const app = await build(t)
    const surveyId = await relationshipSurvey(app)
    const file = csvFile(t, 'people.csv', PEOPLE)
    const run = await cli(app, 'invite', '--survey', surveyId, file)

    t.equal(run.code, 0)
    t.same(run.err, [
      'line 7: locale: "fr" is not one of en, de, nb; the survey\'s default language is used',
      'line 8: email: must be an e-mail address',
      'line 9: row: has 3 fields, the header has 4',
      'line 13: email: is required for the email channel',
      'line 15: site: Too big: expected string to have <=200 characters'
    ])
    t.same(summary(run), { queued: 7, sent: 0, throttled: 0, opted_out: 0, duplicate: 1, invalid: 4 })
    t.match(
      run.out[0],
      new RegExp(`^invited from people\\.csv into survey ${surveyId}: 12 rows in [\\d.]+ s, peak memory \\d+ MiB$`)
    )

    // The mail goes out through the outbox, as for the API's invitations (the command's own app may
    // have sent some already; the service sends the rest).
    await app.outbox.flush()
    const invited = await rows<{ email: string; locale: string | null; attributes: string; status: string }>(
      app,
      'SELECT email, locale, attributes, status FROM invitations ORDER BY email'
    )
    t.same(
      invited.map(r => [r.email, r.locale, JSON.parse(r.attributes), r.status]),
      [
        ['anna@example.com', 'de', { team: 'hr', site: 'oslo' }, 'sent'],
        ['bjorn@example.com', 'nb', { team: 'it' }, 'sent'],
        ['carl@example.com', 'en', { team: 'it', site: 'berlin' }, 'sent'],
        ['dora@example.com', null, { team: 'hr', site: 'oslo' }, 'sent'],
        ['eve@example.com', null, { team: 'hr', site: 'oslo' }, 'sent'],
        ['gina@example.com', 'de', { team: 'Oslo, floor 3', site: 'bergen' }, 'sent'],
        ['hal@example.com', 'en', { team: 'hr!', site: 'oslo' }, 'sent']
      ],
      'a blank cell is no attribute; no locale of its own means the survey default in mail'
    )
    const mails = readdirSync(app.config.mailDir).map(f => readFileSync(join(app.config.mailDir, f), 'utf8'))
    const subjectTo = (to: string) =>
      mails.filter(m => m.includes(`To: ${to}`)).map(m => /^Subject: (.*)$/m.exec(m)?.[1])
    t.equal(mails.length, 7, 'one mail per person invited')
    t.same(subjectTo('anna@example.com'), ['Eine Frage zu unserem Service'])
    t.same(subjectTo('carl@example.com'), ['One question about our service'])
    t.same(subjectTo('dora@example.com'), ['One question about our service'], 'the survey default')

    // The API sees the same invitations: inviting anna again answers the one from the file.
    const again = await api(app, {
      method: 'POST',
      url: `/v1/surveys/${surveyId}/invitations`,
      payload: { email: 'anna@example.com', locale: 'en' }
    })
    t.equal(again.statusCode, 200)
    t.match(again.json(), { status: 'duplicate', invitation: { survey_id: surveyId, channel: 'email', locale: 'de' } })
    t.notOk('status' in again.json().invitation, "a duplicate never shows the first one's status")
    const batch = await api(app, {
      method: 'POST',
      url: `/v1/surveys/${surveyId}/invitations/batch`,
      payload: { invitations: [{ email: 'gina@example.com' }, { email: 'new@example.com' }] }
    })
    t.match(batch.json(), { counts: { duplicate: 1, queued: 1 } })
  }
)

t.test('a re-run of the same file invites nobody twice', async t => {
  const app = await build(t)
  const surveyId = await relationshipSurvey(app)
  const file = csvFile(t, 'people.csv', PEOPLE)
  t.equal((await cli(app, 'invite', '--survey', surveyId, file)).code, 0)
  // What the command decided; status and delivery change as the mail goes out.
  const decided = 'SELECT id, token_hash, recipient_hash, locale, created_at FROM invitations ORDER BY id'
  const first = await rows(app, decided)

  const rerun = await cli(app, 'invite', '--survey', surveyId, file)
  t.equal(rerun.code, 0)
  t.same(summary(rerun), { queued: 0, sent: 0, throttled: 0, opted_out: 0, duplicate: 8, invalid: 4 })
  t.same(await rows(app, decided), first, 'not one invitation added or changed')
  t.equal(await count(app, 'outbox'), 7, 'and no second mail queued')

  // Nor after some were answered or expired and lost their addresses: the keyed hash remains.
  await dbRun(app.store.db,
    (await import('drizzle-orm')).sql`UPDATE invitations SET status = 'expired', email = NULL, attributes = NULL`
  )
  t.same(summary(await cli(app, 'invite', '--survey', surveyId, file)), {
    queued: 0,
    sent: 0,
    throttled: 0,
    opted_out: 0,
    duplicate: 8,
    invalid: 4
  })
  t.equal(await count(app, 'invitations'), 7)
})

t.test(
  '20,000 rows stream through in chunks, with a plain progress line per 10,000 when not on a terminal',
  async t => {
    const app = await build(t)
    const surveyId = await relationshipSurvey(app)
    const file = join(tempDir(t), 'many.csv')
    const out = createWriteStream(file)
    out.write('email,locale,site,grade\n')
    const locales = ['en', 'de', 'nb']
    for (let i = 0; i < 20_000; i++) {
      if (!out.write(`person${i}@example.com,${locales[i % 3]},site${i % 40},g${i % 7}\n`)) await once(out, 'drain')
    }
    out.end()
    await once(out, 'finish')

    const run = await cli(app, 'invite', '--survey', surveyId, file)
    t.equal(run.code, 0, run.err.join('\n'))
    t.same(
      run.out.filter(l => l.startsWith('…')),
      ['… 10000 rows', '… 20000 rows']
    )
    t.same(summary(run), { queued: 20_000, sent: 0, throttled: 0, opted_out: 0, duplicate: 0, invalid: 0 })
    t.same(await rows(app, 'SELECT locale, count(*) AS n FROM invitations GROUP BY locale ORDER BY locale'), [
      { locale: 'de', n: 6667 },
      { locale: 'en', n: 6667 },
      { locale: 'nb', n: 6666 }
    ])
    t.equal(await count(app, 'idempotency_keys'), 0)
  }
)

t.test('a bad survey or file exits non-zero, says why, and invites nobody', async t => {
  const app = await build(t)
  const surveyId = await relationshipSurvey(app)
  const good = csvFile(t, 'ok.csv', 'email\na@example.com\n')
  const postCase = (await createSurvey(app, { kind: 'post_case' })).id
  const closed = await relationshipSurvey(app)
  await api(app, { method: 'PATCH', url: `/v1/surveys/${closed}`, payload: { status: 'closed' } })

  const cases: Array<[string, string[], number, RegExp]> = [
    ['no survey', ['invite', good], 2, /invite needs a survey and a file/],
    ['no file', ['invite', '--survey', surveyId], 2, /invite needs a survey and a file/],
    ['unknown survey', ['invite', '--survey', 'srv_nope', good], 1, /^survey srv_nope not found$/],
    [
      'a post_case survey',
      ['invite', '--survey', postCase, good],
      1,
      /is a post_case survey; a file of invitations is for relationship surveys/
    ],
    ['a closed survey', ['invite', '--survey', closed, good], 1, /is closed/],
    [
      'a missing file',
      ['invite', '--survey', surveyId, join(tempDir(t), 'nope.csv')],
      1,
      /^cannot read .*nope\.csv: ENOENT/
    ],
    ['a folder', ['invite', '--survey', surveyId, tempDir(t)], 1, /^cannot read .*: /],
    ['an empty file', ['invite', '--survey', surveyId, csvFile(t, 'empty.csv', '')], 1, /the file is empty/],
    [
      'no email column',
      ['invite', '--survey', surveyId, csvFile(t, 'h.csv', 'mail,locale\na@example.com,en\n')],
      1,
      /header row: no "email" column \(found "mail", "locale"\)/
    ],
    [
      'a bad attribute name',
      ['invite', '--survey', surveyId, csvFile(t, 'h.csv', 'email,cost centre\na@example.com,1\n')],
      1,
      /column "cost centre": an attribute name must be 1–40 letters/
    ],
    [
      'a repeated column',
      ['invite', '--survey', surveyId, csvFile(t, 'h.csv', 'email,site,Email\na@example.com,x,y\n')],
      1,
      /column "Email" appears twice/
    ]
  ]
  for (const [name, args, code, message] of cases) {
    const run = await cli(app, ...args)
    t.equal(run.code, code, name)
    t.match(run.err.join('\n'), message, name)
  }
  t.equal(await count(app, 'invitations'), 0)
})

t.test('a file that breaks off mid-way: the rows before are invited, the summary says so, exit 1', async t => {
  const app = await build(t)
  const surveyId = await relationshipSurvey(app)
  const file = csvFile(t, 'broken.csv', 'email,site\na@example.com,x\nb@example.com,"y\nc@example.com,z\n')
  const run = await cli(app, 'invite', '--survey', surveyId, file)
  t.equal(run.code, 1)
  t.match(
    run.err.join('\n'),
    /^the file is not valid CSV after line 2: Quote Not Closed: .*; the rows before it were imported$/
  )
  t.match(run.out[0], /^stopped in broken\.csv: 1 rows/)
  t.same(summary(run), { queued: 1, sent: 0, throttled: 0, opted_out: 0, duplicate: 0, invalid: 0 })
  t.same(await rows(app, 'SELECT email FROM invitations'), [{ email: 'a@example.com' }])
})

// The bar is the same on both stores; as its own process the CLI would refuse the PostgreSQL test
// cluster, which runs without fsync (test/helpers/postgres.ts).
t.test('on a terminal the command draws a progress bar', {
  skip: onlyOn('sqlite', 'a CLI process refuses the fsync-less test cluster')
}, async t => {
  const app = await build(t)
  const surveyId = await relationshipSurvey(app)
  const file = csvFile(
    t,
    'people.csv',
    'email,locale\nnobody,nb\n' + Array.from({ length: 300 }, (_, i) => `p${i}@example.com,nb`).join('\n')
  )
  // script(1) runs the real CLI process on a pseudo-terminal, as an operator's shell would.
  const command = `${process.execPath} --import tsx src/cli.ts invite --survey ${surveyId} ${file}`
  const result = spawnSync(await ensureSystemPackage(TEST_PACKAGES.script), ['-qfec', command, '/dev/null'], {
    env: { PATH: process.env.PATH, PULS_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000
  })
  t.equal(result.status, 0, result.stderr)
  t.match(result.stdout, /inviting \|[█░]+\| 100% of the file \| 301 rows, 1 to report/)
  // Held while the bar draws (it redraws at a saved cursor position), then printed below it.
  t.match(result.stdout, /100% of the file[^\n]*\n(?:.*\n)*?line 2: email: must be an e-mail address/)
  t.notMatch(result.stdout, /… \d+ rows/, 'no plain progress lines on a terminal')
  t.match(result.stdout, /queued\s+300/)
  t.equal(await count(app, 'invitations'), 300)
})
