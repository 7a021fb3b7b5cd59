import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import Handlebars from 'handlebars'
import { templatesDir as builtInDir } from '../paths.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Renders `templates/<name>.hbs` (HTML-escaped by default) to a string, e.g. for mail. */
    render: (name: string, context: object) => string
  }
  interface FastifyReply {
    /** Sends `templates/<name>.hbs` as an HTML page; the CSP style nonce, if any, is passed as `cspNonce`. */
    view: (name: string, context: object) => FastifyReply
  }
}

/**
 * Handlebars pages and mails. PULS_TEMPLATES_DIR brands them: a file found there wins, any file
 * missing there comes from the built-in templates/, so a brand folder holds only what it changes.
 * Partials are every `partials/*.hbs` (e.g. `{{#> layout}}…{{/layout}}`).
 */
export default fp(async (fastify) => {
  const dirs = [fastify.config.templatesDir, builtInDir].filter((d): d is string => d !== undefined)
  const hbs = Handlebars.create()
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b)

  for (const dir of [...dirs].reverse()) {
    const partials = join(dir, 'partials')
    if (!existsSync(partials)) continue
    for (const file of readdirSync(partials).filter(f => f.endsWith('.hbs'))) {
      hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partials, file), 'utf8'))
    }
  }

  const compiled = new Map<string, Handlebars.TemplateDelegate>()
  function template (name: string): Handlebars.TemplateDelegate {
    let fn = compiled.get(name)
    if (fn === undefined) {
      const file = dirs.map(d => join(d, `${name}.hbs`)).find(f => existsSync(f))
      if (file === undefined) throw new Error(`no template ${name}.hbs`)
      fn = hbs.compile(readFileSync(file, 'utf8'), { strict: false })
      compiled.set(name, fn)
    }
    return fn
  }

  fastify.decorate('render', (name: string, context: object) => template(name)(context))
  fastify.decorateReply('view', function (this: FastifyReply, name: string, context: object) {
    const nonce = (this as FastifyReply & { cspNonce?: { style?: string } }).cspNonce?.style
    return this.type('text/html; charset=utf-8').send(template(name)({ ...context, cspNonce: nonce }))
  })
}, { name: 'views', dependencies: ['config'] })
