import t from 'tap'
import { api, build } from './helpers/build.js'
import { createSurvey, invite, submitJson } from './helpers/puls.js'

// Findings of a security probe about invitations: a reply must not tell a key holder whether a
// named person answered (docs/anonymity.md).

t.test('a duplicate invitation does not say whether the first one was answered', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const first = await invite(app, survey.id, { channel: 'link', email: 'kari@example.com', case_ref: 'INC-1' })
  const token = (first.json().url as string).split('/s/')[1]!
  t.equal((await submitJson(app, token, { score: 4 })).statusCode, 201, 'the person answered')

  const again = await invite(app, survey.id, { channel: 'link', email: 'kari@example.com', case_ref: 'INC-1' })
  t.equal(again.statusCode, 200)
  t.equal(again.json().status, 'duplicate')
  t.notOk('status' in again.json().invitation, 'no status of the first invitation')
  t.notMatch(again.body, /answered/)

  const event = await api(app, {
    method: 'POST',
    url: '/v1/events/case-closed',
    payload: { case_ref: 'INC-1', email: 'kari@example.com', team: 'it' }
  })
  t.equal(event.json().status, 'duplicate')
  t.notMatch(event.body, /answered/, 'nor through the case-closed event')
})

t.test('the OpenAPI document says a duplicate carries no status', async t => {
  const app = await build(t)
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const invitation = doc.components.schemas.Invitation
  t.notOk((invitation.required as string[]).includes('status'), 'status is optional')
  t.match(invitation.properties.status.description, /duplicate/)
})
