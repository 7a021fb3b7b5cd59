import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

// A real SMTP server in the test process (smtp-server, the nodemailer project's server), so the
// service's mail goes over a socket through a real SMTP conversation. What arrives is parsed with
// mailparser: MIME multipart, quoted-printable and encoded-word subjects (ä, å) are exactly what a
// hand-written parser would get subtly wrong.

export interface ReceivedMail {
  raw: string
  parsed: ParsedMail
  envelope: { from: string; to: string[] }
}

export interface TestSmtp {
  url: string
  /** Every accepted message, in arrival order. */
  received: ReceivedMail[]
  /** How many complete messages were refused so far. */
  refused: number
  /** How many complete messages a stalled server holds unanswered right now. */
  held: number
  /** Refuses the next `n` messages after their data was sent (the hardest case for a sender). */
  refuseNext: (n: number, code?: number) => void
  /** Resolves once at least `count` messages arrived; fails after `timeoutMs`. */
  waitFor: (count: number, timeoutMs?: number) => Promise<ReceivedMail[]>
  close: () => Promise<void>
}

export interface SmtpOptions {
  /** Refuse this many messages first (4xx: try again later). */
  refuse?: number
  /** Refuse these recipients for good at RCPT TO (550). */
  rejectRecipient?: RegExp
  /** Parse and keep what arrives (off for the benches, where only counting matters: raw is then ''). */
  parse?: boolean
  /** Answer each message only after this long, like a slow server. */
  delayMs?: number
  /** Never answer a message (until the server closes): a stalled server. */
  stall?: boolean
}

interface Tap {
  teardown: (fn: () => unknown) => void
}

export async function startSmtp (t: Tap | undefined, opts: SmtpOptions = {}): Promise<TestSmtp> {
  let refuse = opts.refuse ?? 0
  let refuseCode = 451
  const received: ReceivedMail[] = []
  const state = { refused: 0 }

  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: no self-signed STARTTLS for nodemailer to trip over.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 500,
    onRcptTo (address, _session, callback) {
      if (opts.rejectRecipient?.test(address.address) === true) {
        callback(
          Object.assign(new Error(`<${address.address}>: Recipient address rejected: user unknown`), {
            responseCode: 550
          })
        )
        return
      }
      callback()
    },
    onData (stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        if (opts.stall === true) {
          stalled.push(callback)
          return
        }
        if (opts.delayMs !== undefined) setTimeout(() => accept(), opts.delayMs)
        else accept()
      })
      function accept (): void {
        if (refuse > 0) {
          refuse--
          state.refused++
          callback(Object.assign(new Error('Try again later'), { responseCode: refuseCode }))
          return
        }
        const raw = Buffer.concat(chunks).toString('utf8')
        const envelope = {
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map(r => r.address)
        }
        if (opts.parse === false) {
          // The benches count hundreds of thousands of messages; they need none of them kept.
          received.push({ raw: '', parsed: {} as ParsedMail, envelope })
          callback()
          return
        }
        simpleParser(raw).then(
          parsed => {
            received.push({ raw, parsed, envelope })
            callback()
          },
          err => callback(err as Error)
        )
      }
    }
  })
  const stalled: Array<(err: Error) => void> = []
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.server.address()
  if (address === null || typeof address === 'string') throw new Error('smtp server has no port')

  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    for (const callback of stalled) callback(Object.assign(new Error('Shutting down'), { responseCode: 421 }))
    await new Promise<void>(resolve => server.close(() => resolve()))
  }
  t?.teardown(close)

  return {
    url: `smtp://127.0.0.1:${address.port}`,
    received,
    get refused () {
      return state.refused
    },
    get held () {
      return stalled.length
    },
    refuseNext (n, code = 451) {
      refuse = n
      refuseCode = code
    },
    async waitFor (count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs
      while (received.length < count) {
        if (Date.now() > until) {
          throw new Error(`expected ${count} mails, got ${received.length} within ${timeoutMs} ms`)
        }
        await new Promise(resolve => setTimeout(resolve, 10))
      }
      return received
    },
    close
  }
}

/** A header as it was sent (unfolded), or undefined. */
export function rawHeader (mail: ReceivedMail, name: string): string | undefined {
  const line = mail.parsed.headerLines.find(h => h.key === name.toLowerCase())?.line
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim()
}
