import { loggerOptions } from '../../src/logger.js'

export interface CapturedLogs {
  /**
   * Fastify logger options for `build(t, { logger })`: the service's own options (level aside),
   * so its serializers and redactions apply, at trace level, writing into `lines`.
   */
  logger: object
  /** Every line pino wrote, as written (one JSON object each). */
  lines: string[]
}

/** Captures the real pino output of an app, so tests can read what an operator's log would hold. */
export function captureLogs (): CapturedLogs {
  const lines: string[] = []
  const stream = {
    write (chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') lines.push(line)
    }
  }
  return { logger: { ...loggerOptions({ logLevel: 'trace' }), stream }, lines }
}

const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}/i
// A path under /s/ or /r/ whose token segment is neither redacted nor a route pattern.
const TOKEN_PATH = /\/+[sr]\/+(?!\[redacted\]|:token)[^/"?#\s]+/i

/**
 * The lines that leak: that contain one of `secrets` (tokens, keys, addresses a test used), look
 * like an e-mail address, or show a token path unredacted. Empty when the log is clean (docs/anonymity.md, promise 6).
 */
export function leaks (lines: string[], secrets: string[]): string[] {
  return lines.filter(line => secrets.some(s => line.includes(s)) || EMAIL.test(line) || TOKEN_PATH.test(line))
}
