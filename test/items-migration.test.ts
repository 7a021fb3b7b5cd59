import t from 'tap'
import { api, build, onlyOn } from './helpers/build.js'
import { undoMigrationsFrom } from './helpers/migrations.js'
import { createSurvey, linkToken, rows, submitJson } from './helpers/puls.js'

// Migration 0013 adds the items columns. A database from before it keeps meaning what it meant:
// its surveys ask no items (the score and the comment, as before) and its answers hold none.

t.test(
  'a database from before items migrates: its surveys ask no items, its answers hold none',
  { skip: onlyOn('sqlite', 'undoes a SQLite migration; the PostgreSQL migrations begin with items') },
  async t => {
    const first = await build(t)
    const survey = await createSurvey(first, { items: [] })
    const token = await linkToken(first, survey.id)
    t.equal((await submitJson(first, await linkToken(first, survey.id), { score: 2, comment: 'Slow' })).statusCode, 201)
    undoMigrationsFrom(first.store.db, '0013_')
    await first.close()

    const second = await build(t, { dataDir: first.dataDir })
    t.match((await rows<{ sql: string }>(second, 'SELECT sql FROM sqlite_master WHERE name = \'responses\''))[0]!.sql,
      /WITHOUT ROWID\s*$/, 'responses stay WITHOUT ROWID')
    t.same(await rows(second, 'SELECT score, comment, items FROM responses'),
      [{ score: 2, comment: 'Slow', items: null }])
    t.same((await api(second, { url: `/v1/surveys/${survey.id}` })).json().items, [], 'no items')
    const page = await second.inject({ url: `/s/${token}` })
    t.notMatch(page.body, /class="item"/, 'the page asks the score and the comment, as before')
    t.match(page.body, /name="comment"/)
    t.equal((await submitJson(second, token, { score: 4 })).statusCode, 201, 'and takes answers as before')
  }
)
