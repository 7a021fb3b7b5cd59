import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { build } from './helpers/build.js'

t.test('a brand folder overrides single templates and falls back to the built-in ones', async t => {
  const brand = t.testdir({ partials: { 'styles.hbs': 'body { background: #fee; }' } })
  mkdirSync(join(brand, 'pages'), { recursive: true })
  writeFileSync(
    join(brand, 'pages', 'brand-probe.hbs'),
    '{{#> layout lang="nb" title=title}}<p>{{body}}</p>{{/layout}}'
  )
  const app = await build(t, { env: { PULS_TEMPLATES_DIR: brand } })
  const html = app.render('pages/brand-probe', { title: 'Hei', body: '<script>alert(1)</script>' })
  t.match(html, '<html lang="nb">', 'built-in layout partial used')
  t.match(html, 'background: #fee', 'branded partial used')
  t.match(html, '&lt;script&gt;alert(1)&lt;/script&gt;', 'values are escaped')
  t.notMatch(html, '<script>alert(1)')
  t.throws(() => app.render('pages/none', {}), /no template pages\/none\.hbs/)
})
