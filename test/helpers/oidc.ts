import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

// A real OpenID Connect provider (oidc-provider) on 127.0.0.1 for sign-in tests, and a browser
// stand-in that signs a person in through its login form. Consent is granted without asking.

export const CLIENT_ID = 'puls'
export const CLIENT_SECRET = 'puls-test-client-secret-0123456789'

interface Tap {
  teardown: (fn: () => unknown) => void
}

/** Starts the provider; `groups` gives each person (login name) the groups their ID token lists. */
export async function startProvider (
  t: Tap,
  redirectUri: string,
  groups: Record<string, string[]>
): Promise<{ issuer: string }> {
  const server: Server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code']
      }
    ],
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, groups: groups[sub] ?? [] }) }),
    claims: { openid: ['sub'], groups: ['groups'] },
    // The groups in the ID token itself, as Keycloak's and Entra ID's group claims are.
    conformIdTokenClaims: false,
    pkce: { required: () => true, methods: ['S256'] },
    features: { devInteractions: { enabled: true } },
    loadExistingGrant: async ctx => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!
      })
      grant.addOIDCScope('openid groups')
      grant.addOIDCClaims(['groups'])
      await grant.save()
      return grant
    }
  })
  provider.on('server_error', (_ctx, err) => {
    console.error(err)
  })
  server.on('request', provider.callback())
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  return { issuer }
}

/**
 * Follows the provider's redirects from `authorizeUrl` as a browser would, signing in as `login`
 * on its form; answers the URL it finally sends the browser to (the app's callback).
 */
export async function signInAtProvider (authorizeUrl: string, login: string): Promise<URL> {
  const jar = new Map<string, string>()
  const origin = new URL(authorizeUrl).origin
  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') }
    })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const at = pair!.indexOf('=')
      jar.set(pair!.slice(0, at), pair!.slice(at + 1))
    }
    return res
  }
  let url = authorizeUrl
  for (let hops = 0; hops < 10; hops++) {
    const res = await go(url)
    const location = res.headers.get('location')
    if (location === null) {
      // The login form of an interaction: post the login name (any password will do).
      const html = await res.text()
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]
      if (action === undefined) throw new Error(`the provider showed no form at ${url}: ${html.slice(0, 300)}`)
      const posted = await go(new URL(action, origin).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString()
      })
      url = new URL(posted.headers.get('location')!, origin).href
      continue
    }
    const next = new URL(location, origin)
    if (next.origin !== origin) return next
    url = next.href
  }
  throw new Error('too many redirects at the provider')
}
