import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import nodemailer, { type SendMailOptions } from 'nodemailer'
import type { Config } from '../config.js'

/** One rendered mail, ready to hand to a server. */
export interface OutgoingMail {
  /** The outbox row id; also the left part of the Message-ID, so a resent mail keeps its id. */
  id: string
  to: string
  subject: string
  text: string
  html: string
  headers: Record<string, string>
  /** Aborts the send, e.g. at shutdown. */
  signal?: AbortSignal
}

export interface MailTransport {
  /** `smtp` sends to SMTP_URL; `files` writes .eml files to the mail folder. */
  readonly kind: 'smtp' | 'files'
  /** Resolves once the server accepted the mail (or the file is written), rejects otherwise. */
  send: (mail: OutgoingMail) => Promise<void>
  /** Closes connections; `force` also ends those in the middle of a delivery. */
  close: (opts?: { force?: boolean }) => void
}

// Generous for one message, yet well inside the outbox lease (src/mail/plugin.ts): a stalled
// server fails the attempt instead of holding the row until the lease runs out.
const SMTP_TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 }

/** The domain of MAIL_FROM, for Message-IDs. */
export function senderDomain (mailFrom: string): string {
  const match = /@([^\s<>@]+?)>?\s*$/.exec(mailFrom)
  return match?.[1] ?? 'puls.invalid'
}

function message (mail: OutgoingMail, domain: string): SendMailOptions {
  return {
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
    messageId: `<${mail.id}@${domain}>`,
    ...(mail.signal === undefined ? {} : { signal: mail.signal })
  }
}

/**
 * SMTP_URL set: a pooled SMTP transport (a few long-lived connections shared by every send).
 * Unset: each mail becomes an .eml file in the mail folder, so a fresh machine works without a
 * mail server; the log names the file and the mail's id, never the address.
 */
export function createMailTransport (
  config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'mailDir'>,
  log: FastifyBaseLogger
): MailTransport {
  const domain = senderDomain(config.mailFrom)
  const defaults = { from: config.mailFrom }

  if (config.smtpUrl !== undefined) {
    const smtp = nodemailer.createTransport(
      { url: config.smtpUrl, pool: true, maxConnections: 5, maxMessages: 1000, ...SMTP_TIMEOUTS },
      defaults
    )
    return {
      kind: 'smtp',
      send: async mail => {
        await smtp.sendMail(message(mail, domain))
      },
      close: opts => smtp.close(opts)
    }
  }

  const files = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, defaults)
  return {
    kind: 'files',
    send: async mail => {
      mail.signal?.throwIfAborted()
      const info = await files.sendMail(message(mail, domain))
      // Mail holds addresses and survey links: readable by the service's user only.
      mkdirSync(config.mailDir, { recursive: true, mode: 0o700 })
      const file = join(config.mailDir, `${mail.id}.eml`)
      // Written aside and renamed, so a reader never sees half a message.
      writeFileSync(`${file}.tmp`, info.message as Buffer, { mode: 0o600 })
      renameSync(`${file}.tmp`, file)
      // The mail's id, not its Message-ID: `<id@domain>` reads like an address to a log scanner.
      log.info({ file, mail: mail.id }, 'mail written to file (SMTP_URL is not set)')
    },
    close: () => files.close()
  }
}
