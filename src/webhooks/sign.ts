import { createHmac, randomBytes } from 'node:crypto'

// Standard Webhooks (docs/integrations.md, "Verifying a delivery"): the secret is `whsec_` and
// base64 key bytes; each attempt is signed as v1,<base64 HMAC-SHA256 of "id.timestamp.body">.

export function newWebhookSecret (): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

export function signature (secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`
}

/** The three headers of one attempt. */
export function signedHeaders (secret: string, id: string, now: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000)
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature(secret, id, timestamp, body)
  }
}
