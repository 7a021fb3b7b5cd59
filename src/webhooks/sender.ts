import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { guardedLookup, isForbiddenAddress, refusal } from './address.js'
import { isIP } from 'node:net'

export interface SendResult {
  /** The HTTP status, or null when no answer came. */
  status: number | null
  error: string | null
  durationMs: number
}

const MAX_ERROR = 300

/**
 * POSTs one signed delivery. Never follows redirects (a target could bounce it into the
 * network), reads at most a little of the answer, and resolves once the server answered or the
 * timeout ran out. Never rejects.
 */
export interface SendOptions { timeoutMs: number, allowedHosts: string[] | undefined }

export function send (
  url: string, body: string, headers: Record<string, string>, opts: SendOptions
): Promise<SendResult> {
  const started = performance.now()
  const done = (status: number | null, error: string | null): SendResult =>
    ({ status, error: error?.slice(0, MAX_ERROR) ?? null, durationMs: Math.round(performance.now() - started) })
  const refused = refusal(url, opts.allowedHosts)
  if (refused !== undefined) return Promise.resolve(done(null, `target refused: ${refused}`))
  const target = new URL(url)
  const literal = target.hostname.replace(/^\[|\]$/g, '')
  if (isIP(literal) !== 0 && isForbiddenAddress(literal)) {
    return Promise.resolve(done(null, 'target refused: forbidden address'))
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise(resolve => {
    const req = request(target, {
      method: 'POST',
      lookup: guardedLookup,
      timeout: opts.timeoutMs,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Puls-Webhooks/1',
        ...headers,
        'content-length': Buffer.byteLength(body)
      }
    }, res => {
      const status = res.statusCode ?? 0
      res.resume()
      res.on('end', () => resolve(done(status, status >= 200 && status < 300 ? null : `HTTP ${status}`)))
      res.on('error', err => resolve(done(status, err.message)))
    })
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs)
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)))
    req.on('error', err => resolve(done(null, err.message)))
    req.on('close', () => clearTimeout(timer))
    req.end(body)
  })
}
