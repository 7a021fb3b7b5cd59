import t from 'tap'
import { ANSWER_BODY_LIMIT } from '../src/respondent/routes.js'
import { api, build, testClock } from './helpers/build.js'
import { count, createSurvey, invite, linkToken, rows, submitForm, submitJson, type App } from './helpers/puls.js'

type ResponseRow = { score: number; comment: string | null; day: string; locale: string; channel: string }
// Attributes parsed: PostgreSQL's jsonb gives its own spacing and key order (docs/postgres.md).
const responses = async (app: App) =>
  (await rows<ResponseRow & { attributes: string }>(app, 'SELECT * FROM responses'))
    .map(r => ({ ...r, attributes: JSON.parse(r.attributes) as Record<string, string> }))
const open = (app: App, token: string, headers: Record<string, string> = {}, query = '') =>
  app.inject({ url: `/s/${token}${query}`, headers })

t.test('the survey page: plain HTML form, labelled radio group, no script, phone-ready', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { question: { en: 'How did we do on <your> case?' } })
  const token = await linkToken(app, survey.id)
  const res = await open(app, token)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers['referrer-policy'], 'no-referrer')
  const html = res.body
  t.match(html, '<html lang="en">')
  t.match(html, '<meta name="viewport" content="width=device-width, initial-scale=1">')
  t.notMatch(html, /<script/i, 'works without JavaScript')
  t.match(html, /<form method="post"[^>]*>/, 'posts to itself')
  t.notMatch(html, /<form[^>]*action=/, 'the token is not repeated in the page')
  t.match(
    html,
    /<fieldset aria-describedby="scale-hint">\s*<legend><h1>How did we do on &lt;your&gt; case\?<\/h1><\/legend>/,
    'the question labels the group, escaped'
  )
  t.match(html, '<p id="scale-hint" class="muted">1 means very dissatisfied, 5 means very satisfied.</p>')
  const radios = [
    ...html.matchAll(
      new RegExp(
        '<label class="option" for="score-(\\d+)">' +
          '<input type="radio" id="score-(\\d+)" name="score" value="(\\d+)" required>',
        'g'
      )
    )
  ]
  t.same(
    radios.map(m => [m[1], m[2], m[3]]),
    ['1', '2', '3', '4', '5'].map(v => [v, v, v]),
    'one labelled radio per scale point'
  )
  t.notMatch(html, / checked/, 'nothing pre-selected')
  t.match(html, /<label class="block" for="comment">Anything you would like to add\? \(optional\)<\/label>/)
  t.match(html, /<textarea id="comment" name="comment" rows="4" maxlength="2000" aria-describedby="comment-limit">/)
  t.match(html, /<button type="submit">Send answer<\/button>/)
})

t.test('the scale follows the metric: NPS 0–10, CES 1–7', async t => {
  const app = await build(t)
  const nps = await createSurvey(app, { kind: 'relationship' })
  const ces = await createSurvey(app, { metric: 'ces' })
  const values = (html: string) => [...html.matchAll(/name="score" value="(\d+)"/g)].map(m => Number(m[1]))
  t.same(values((await open(app, await linkToken(app, nps.id))).body), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  t.same(values((await open(app, await linkToken(app, ces.id))).body), [1, 2, 3, 4, 5, 6, 7])
})

t.test("three locales: the invitation's, else Accept-Language, else the survey default", async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { default_locale: 'de', question: { nb: 'Hvordan gikk det med saken din?' } })
  const german = await linkToken(app, survey.id, { locale: 'de' })
  const any = await linkToken(app, survey.id)

  const de = await open(app, german, { 'accept-language': 'nb-NO,nb;q=0.9' })
  t.match(de.body, '<html lang="de">', 'the invitation locale beats the browser')
  t.match(de.body, 'Wie zufrieden sind Sie mit der Unterstützung')
  t.match(de.body, 'Antwort senden')
  const nb = await open(app, any, { 'accept-language': 'fr-FR, nb;q=0.7, en;q=0.5' })
  t.match(nb.body, '<html lang="nb">')
  t.match(nb.body, 'Hvordan gikk det med saken din?', "the survey's own text for the locale")
  t.match(nb.body, '1 betyr svært misfornøyd, 5 betyr svært fornøyd.')
  t.match(nb.body, 'Send svar')
  const en = await open(app, any, { 'accept-language': 'en-GB' })
  t.match(en.body, '<html lang="en">')
  t.match(en.body, 'Send answer')
  const fallback = await open(app, any, { 'accept-language': 'fr, sv' })
  t.match(fallback.body, '<html lang="de">', 'nothing matches: the survey default')

  // The answer keeps the language it was given in, and the thank-you page speaks it.
  const sent = await submitForm(app, any, { score: '4' }, { 'accept-language': 'nb' })
  t.equal(sent.statusCode, 303)
  const thanks = await app.inject({ url: `/s/${any}/thanks`, headers: { 'accept-language': 'nb' } })
  t.match(thanks.body, '<h1>Takk!</h1>')
  t.match(thanks.body, '<html lang="nb">')
  t.same(
    (await responses(app)).map(r => r.locale),
    ['nb']
  )
})

t.test('?score=N pre-selects and records nothing, however often it is opened', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const token = await linkToken(app, survey.id)
  for (let i = 0; i < 3; i++) {
    const res = await open(app, token, {}, '?score=4')
    t.equal(res.statusCode, 200)
    t.match(res.body, 'value="4" required checked>')
    t.equal((res.body.match(/ checked/g) ?? []).length, 1)
  }
  t.equal((await app.inject({ method: 'HEAD', url: `/s/${token}?score=5` })).statusCode, 200)
  for (const q of ['?score=9', '?score=abc', '?score=2.5', '?score=']) {
    const res = await open(app, token, {}, q)
    t.equal(res.statusCode, 200, q)
    t.notMatch(res.body, / checked/, `${q} is off the scale: nothing pre-selected`)
  }
  t.equal(await count(app, 'responses'), 0, 'opening a link never records an answer (docs/anonymity.md, promise 7)')
  t.same(await rows(app, 'SELECT status FROM invitations'), [{ status: 'sent' }])
  t.equal((await submitForm(app, token, { score: '2' })).statusCode, 303, 'the link still takes its one answer')
})

t.test('a form post stores the answer and redirects to the thank-you page', async t => {
  const clock = testClock('2026-03-02T17:45:12Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app)
  const token = await linkToken(app, survey.id, { attributes: { agent: 'ola', category: 'vpn' } })
  const res = await submitForm(app, token, { score: '5', comment: '  Quick and friendly.\r\nThanks!  ' })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `${token}/thanks`)
  const thanks = await app.inject({ url: `/s/${token}/thanks` })
  t.equal(thanks.statusCode, 200)
  t.match(thanks.body, '<h1>Thank you!</h1>')
  t.same(await responses(app), [
    {
      ...(await responses(app))[0],
      score: 5,
      comment: 'Quick and friendly.\nThanks!',
      day: '2026-03-02',
      locale: 'en',
      channel: 'link',
      attributes: { agent: 'ola', category: 'vpn' }
    }
  ])

  const again = await open(app, token)
  t.equal(again.statusCode, 409)
  t.match(again.headers['content-type'], /^text\/html/)
  t.match(again.body, '<h1>Already answered</h1>')
  const twice = await submitForm(app, token, { score: '1' })
  t.equal(twice.statusCode, 409)
  t.match(twice.body, 'Already answered')
  t.equal(await count(app, 'responses'), 1)
})

t.test('a JSON post answers 201; errors then come as problem+json', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { kind: 'relationship' })
  const token = await linkToken(app, survey.id)
  const res = await submitJson(app, token, { score: 0, comment: 'Never again.' })
  t.equal(res.statusCode, 201)
  t.same(res.json(), { status: 'recorded' })
  t.same(
    (await responses(app)).map(r => [r.score, r.comment]),
    [[0, 'Never again.']],
    '0 is on the NPS scale'
  )
  const used = await submitJson(app, token, { score: 9 })
  t.equal(used.statusCode, 409)
  t.match(used.headers['content-type'], /^application\/problem\+json/)
  t.match(used.json(), { status: 409, code: 'already_answered' })
  const unknown = await app.inject({ url: '/s/not-a-real-token', headers: { accept: 'application/json' } })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { status: 404, code: 'not_found' })
})

t.test('friendly 404, 410 pages in the right language', async t => {
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { link_ttl_days: 7, default_locale: 'nb' })
  const unknown = await open(app, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { 'accept-language': 'de' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.headers['content-type'], /^text\/html/)
  t.match(unknown.body, '<html lang="de">')
  t.match(unknown.body, '<h1>Link nicht gefunden</h1>')
  t.equal((await submitForm(app, 'AAAA', { score: '3' })).statusCode, 404)
  t.equal((await submitForm(app, 'AAAA', {})).statusCode, 404, 'an unknown link is 404 even with a bad answer')

  const expiring = await linkToken(app, survey.id)
  const stillOpen = await linkToken(app, survey.id)
  clock.set('2026-03-09T08:59:59Z')
  t.equal((await open(app, stillOpen)).statusCode, 200, 'valid until the last millisecond')
  clock.set('2026-03-09T09:00:00Z')
  const expired = await open(app, expiring)
  t.equal(expired.statusCode, 410)
  t.match(expired.body, '<html lang="nb">', 'the survey default')
  t.match(expired.body, '<h1>Lenken er utløpt</h1>')
  t.equal((await submitForm(app, expiring, { score: '5' })).statusCode, 410)

  const other = await createSurvey(app, { team: 'hr' })
  const token = await linkToken(app, other.id, { locale: 'en' })
  await api(app, { method: 'PATCH', url: `/v1/surveys/${other.id}`, payload: { status: 'closed' } })
  const closed = await open(app, token)
  t.equal(closed.statusCode, 410)
  t.match(closed.body, '<h1>This survey has closed</h1>')
  const closedPost = await submitJson(app, token, { score: 5 })
  t.equal(closedPost.statusCode, 410)
  t.match(closedPost.json(), { code: 'survey_closed' })
  t.equal(await count(app, 'responses'), 0)
})

t.test('a rejected answer shows the form again, changes nothing, and leaves the link usable', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const token = await linkToken(app, survey.id, { locale: 'de' })

  const missing = await submitForm(app, token, { comment: '<script>alert("x")</script> & more' })
  t.equal(missing.statusCode, 400)
  t.match(missing.headers['content-type'], /^text\/html/)
  t.match(missing.body, '<html lang="de">')
  t.match(missing.body, /<div class="error-summary" role="alert">/)
  t.match(missing.body, '<p id="score-error" class="error">Wählen Sie einen Wert von 1 bis 5.</p>')
  t.match(missing.body, 'aria-describedby="scale-hint score-error"')
  t.match(
    missing.body,
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more</textarea>',
    'the comment is kept, escaped'
  )
  t.notMatch(missing.body, '<script>')

  const tooLong = await submitForm(app, token, { score: '3', comment: 'x'.repeat(2001) })
  t.equal(tooLong.statusCode, 400)
  t.match(tooLong.body, 'Ihr Kommentar ist zu lang')
  t.match(tooLong.body, 'value="3" required checked>', 'the chosen score is kept')

  const jsonCases: Array<[unknown, string]> = [
    [{ score: 6 }, 'body.score'],
    [{ score: 0 }, 'body.score'],
    [{ score: 4.5 }, 'body.score'],
    [{ score: '4.5' }, 'body.score'],
    [{ score: 'abc' }, 'body.score'],
    [{ score: true }, 'body.score'],
    [{ score: null }, 'body.score'],
    [{}, 'body.score'],
    [{ score: 3, comment: 42 }, 'body.comment'],
    [{ score: 3, comment: 'y'.repeat(2001) }, 'body.comment']
  ]
  for (const [body, path] of jsonCases) {
    const res = await submitJson(app, token, body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.same(
      res.json().errors.map((e: { path: string }) => e.path),
      [path],
      JSON.stringify(body)
    )
  }
  const formOff = await submitForm(app, token, { score: '11' })
  t.equal(formOff.statusCode, 400)
  t.match(formOff.body, 'Wählen Sie einen Wert von 1 bis 5.')
  const bad = await app.inject({
    method: 'POST',
    url: `/s/${token}`,
    payload: '{"score":',
    headers: { 'content-type': 'application/json' }
  })
  t.equal(bad.statusCode, 400)
  const xml = await app.inject({
    method: 'POST',
    url: `/s/${token}`,
    payload: '<score>3</score>',
    headers: { 'content-type': 'application/xml' }
  })
  t.equal(xml.statusCode, 415)
  t.match(xml.body, 'Mit dieser Anfrage stimmt etwas nicht', 'even that is a page in the right language')
  const huge = await submitForm(app, token, { score: '3', comment: 'z'.repeat(ANSWER_BODY_LIMIT + 1) })
  t.equal(huge.statusCode, 413)

  t.equal(await count(app, 'responses'), 0, 'nothing stored')
  t.same(await rows(app, 'SELECT status FROM invitations'), [{ status: 'sent' }], 'the link is still open')
  // Browsers send line breaks as CRLF; 2,000 characters as the text box counts them fit.
  const comment = Array.from({ length: 500 }, () => 'abc').join('\r\n') + 'x'
  t.equal(comment.length, 2499)
  const ok = await submitForm(app, token, { score: '3', comment })
  t.equal(ok.statusCode, 303)
  t.equal((await responses(app))[0]!.comment!.length, 2000)
})

t.test('an expired invitation is ended when opened, and by the sweep', async t => {
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { link_ttl_days: 2, reminder_after_days: 1 })
  const opened = (await invite(app, survey.id, { email: 'a@example.com', channel: 'link' })).json()
  await invite(app, survey.id, { email: 'b@example.com' })
  await invite(app, survey.id, { email: 'c@example.com' })
  const { sweep } = await import('../src/invitations/service.js')
  t.same(await sweep(app.store.db, clock.now()), { expired: 0, idempotencyKeys: 0 })
  clock.advanceDays(2)
  t.equal((await open(app, opened.url.split('/s/')[1])).statusCode, 410)
  t.same(await rows(app, `SELECT status, email, attributes FROM invitations WHERE id = '${opened.invitation.id}'`), [
    { status: 'expired', email: null, attributes: null }
  ])
  t.same(await sweep(app.store.db, clock.now()), { expired: 2, idempotencyKeys: 0 })
  t.same(await rows(app, 'SELECT DISTINCT status, email FROM invitations'), [{ status: 'expired', email: null }])
})
