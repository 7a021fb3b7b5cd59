import type { FastifyRequest } from 'fastify'
import type { Config } from './config.js'

// SPEC §2.6: tokens never reach a log. Respondent (/s/) and report (/r/) URLs carry them in the
// path, so the path segment after the prefix is replaced; e-mail addresses only travel in bodies,
// which are never logged. Query strings are left out whole: a filter may name a person, and a
// careless client may put its API key there.
const TOKEN_PATH = /^\/(s|r)\/[^/?#]+/

export function redactUrl (url: string): string {
  return url.replace(TOKEN_PATH, '/$1/[redacted]')
}

export function loggerOptions (config: Pick<Config, 'logLevel'>): object {
  return {
    level: config.logLevel,
    serializers: {
      req (request: FastifyRequest) {
        const path = request.url.split('?')[0]!
        const url = redactUrl(path)
        // Respondents' addresses are left out, so logs cannot place a person on a survey page.
        const isRespondent = url !== path
        return {
          method: request.method,
          url,
          ...(isRespondent ? {} : { remoteAddress: request.ip })
        }
      }
    }
  }
}
