import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { API_KEY, api, build } from './helpers/build.js'
import { cliOn } from './helpers/cli.js'
import { count, createSurvey, invite, type App } from './helpers/puls.js'

// Findings of a security probe about what may enter as an attribute or a case_ref: control
// characters (U+0002 is the results engine's "any value"), bidi overrides, and names of
// Object.prototype. Each is refused with a 400 naming the field, and nothing is stored.

const UNSAFE = ['\u0002', '\u0000', '\u001b[31m', 'a\nb', '\u0085', '\u009b', '\u202e', '\u2066', '\u2069']
const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']

function paths (res: { json: () => { errors?: Array<{ path: string }> } }): string[] {
  return (res.json().errors ?? []).map(e => e.path)
}

async function collector (app: App, surveyId: string, attributes: object) {
  return api(app, { method: 'POST', url: `/v1/surveys/${surveyId}/collectors`, payload: { label: 'Desk', attributes } })
}

function caseClosed (app: App, payload: object) {
  return api(app, {
    method: 'POST',
    url: '/v1/events/case-closed',
    payload: { case_ref: 'INC-1', email: 'kari@example.com', team: 'it', ...payload }
  })
}

t.test('attribute values with control or bidi-override characters are refused, naming the field', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const walkUp = await createSurvey(app, { kind: 'self_service', name: 'Walk-up' })
  for (const bad of UNSAFE) {
    const value = `it${bad}`
    const inv = await invite(app, survey.id, { email: 'kari@example.com', attributes: { site: value } })
    t.equal(inv.statusCode, 400, `invitation ${JSON.stringify(bad)}`)
    t.same(paths(inv), ['body.attributes.site'])
    const ev = await caseClosed(app, { agent: value })
    t.equal(ev.statusCode, 400, `event agent ${JSON.stringify(bad)}`)
    t.same(paths(ev), ['body.agent'])
    const evTeam = await caseClosed(app, { team: value })
    t.equal(evTeam.statusCode, 400, `event team ${JSON.stringify(bad)}`)
    const evAttr = await caseClosed(app, { attributes: { site: value } })
    t.same(paths(evAttr), ['body.attributes.site'])
    const col = await collector(app, walkUp.id, { location: value })
    t.equal(col.statusCode, 400, `collector ${JSON.stringify(bad)}`)
    t.same(paths(col), ['body.attributes.location'])
  }
  t.equal(await count(app, 'invitations'), 0, 'nothing stored')
  t.equal(await count(app, 'collectors'), 0)
})

t.test('names of Object.prototype are refused as attribute names, naming the field', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const walkUp = await createSurvey(app, { kind: 'self_service', name: 'Walk-up' })
  for (const name of PROTOTYPE_NAMES) {
    const payload = JSON.parse(`{"${name}": "x"}`) as object
    const inv = await invite(app, survey.id, { email: 'kari@example.com', attributes: payload })
    t.equal(inv.statusCode, 400, `invitation ${name}`)
    // The JSON parser itself refuses `__proto__` (400 without field errors); the rest name the field.
    if (name !== '__proto__') t.same(paths(inv), [`body.attributes.${name}`])
    t.equal((await caseClosed(app, { attributes: payload })).statusCode, 400, `event ${name}`)
    const results = await api(app, { url: `/v1/surveys/${survey.id}/results?group_by=${name}` })
    t.equal(results.statusCode, 400, `results group_by=${name}`)
    t.same(paths(results), ['query.group_by'])
    // The query parser drops a `__proto__` key; every other name is refused.
    const filtered = await api(app, { url: `/v1/surveys/${survey.id}/results?${name}=x` })
    t.equal(filtered.statusCode, name === '__proto__' ? 200 : 400, `results filter ${name}`)
    const csv = await api(app, { url: `/v1/surveys/${survey.id}/results.csv?group_by=${name}` })
    t.notMatch(csv.body, /function Object/, `results.csv group_by=${name}`)
  }
  // Collector attribute names are lowercase: of the prototype's names only `constructor` fits.
  const col = await collector(app, walkUp.id, { constructor: 'x' })
  t.equal(col.statusCode, 400)
  t.same(paths(col), ['body.attributes.constructor'])
  t.equal(await count(app, 'invitations'), 0, 'nothing stored')
  t.equal(await count(app, 'collectors'), 0)
})

t.test('a case_ref with CR/LF, NUL, other controls or bidi overrides is refused, naming case_ref', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  for (const bad of ['INC-1\r\nBcc: x@example.com', 'INC\u0000', 'INC\u0007', '\u202eINC', 'INC\u2067', 'INC\u0085']) {
    const inv = await invite(app, survey.id, { email: 'kari@example.com', case_ref: bad })
    t.equal(inv.statusCode, 400, JSON.stringify(bad))
    t.same(paths(inv), ['body.case_ref'])
    const ev = await caseClosed(app, { case_ref: bad })
    t.same(paths(ev), ['body.case_ref'])
    const reopened = await api(app, { method: 'POST', url: '/v1/events/case-reopened', payload: { case_ref: bad } })
    t.same(paths(reopened), ['body.case_ref'])
  }
  t.equal(await count(app, 'invitations'), 0)
  t.equal(await count(app, 'outbox'), 0, 'no mail queued')
})

t.test('a CSV import skips rows whose attributes hold control characters, and refuses prototype names', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { kind: 'relationship', team: 'hr', name: 'Staff' })
  const dir = t.testdir()
  const run = async (text: string) => {
    const file = join(dir, 'people.csv')
    writeFileSync(file, text)
    const env = { PULS_API_KEY: API_KEY, LOG_LEVEL: 'silent' }
    const { code, out, err } = await cliOn(app, ['invite', '--survey', survey.id, file], env)
    return { code, text: [...out, ...err].join('\n') }
  }
  const controls = await run('email,team\nanna@example.com,"hr\u0002"\nbo@example.com,"\u202ehr"\n')
  t.match(controls.text, /line 2: team: /)
  t.match(controls.text, /line 3: team: /)
  t.equal(await count(app, 'invitations'), 0)
  const proto = await run('email,constructor\nanna@example.com,x\n')
  t.not(proto.code, 0)
  t.match(proto.text, /column "constructor"/)
  t.equal(await count(app, 'invitations'), 0)
})
