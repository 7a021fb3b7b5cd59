import * as client from 'openid-client'
import type { OidcConfig } from '../config.js'

// Sign-in with the company's OpenID Connect provider: authorization code flow with PKCE, by
// openid-client (docs/access.md). The provider's metadata is discovered once, on first use.

export interface Person { sub: string, teams: string[], admin: boolean }

export function oidcClient (config: OidcConfig, redirectUri: string) {
  let discovered: Promise<client.Configuration> | undefined
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client.discovery(new URL(config.issuer), config.clientId, config.clientSecret, undefined,
      // Plain http only for an issuer on this machine (a test or a local provider).
      new URL(config.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined)
      .catch((err: unknown) => { discovered = undefined; throw err })
    return discovered
  }

  return {
    /** Where to send the browser, and what the callback needs to finish. */
    async start (): Promise<{ url: string, state: string, verifier: string }> {
      const verifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const url = client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: config.scope,
        state,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256'
      })
      return { url: url.href, state, verifier }
    },

    /** Redeems the code of the callback URL; throws when the state, the code or the tokens are wrong. */
    async finish (callbackUrl: URL, flow: { state: string, verifier: string }): Promise<Person> {
      const tokens = await client.authorizationCodeGrant(await configuration(), callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state
      })
      const claims = tokens.claims()
      if (claims === undefined) throw new Error('the provider sent no ID token')
      const raw = claims[config.groupsClaim]
      const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : []
      const teams = groups.filter(g => g.startsWith(config.teamPrefix) && g.length > config.teamPrefix.length)
        .map(g => g.slice(config.teamPrefix.length))
      const admin = config.adminGroup !== undefined && groups.includes(config.adminGroup)
      return { sub: claims.sub, teams: [...new Set(teams)], admin }
    }
  }
}
