import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'

// Addresses a webhook may never reach (docs/integrations.md, "Where events may go"): link-local
// ranges, where clouds answer with instance credentials, and the metadata services' own addresses.
const NEVER = new BlockList()
NEVER.addSubnet('169.254.0.0', 16, 'ipv4')
NEVER.addSubnet('fe80::', 10, 'ipv6')
NEVER.addSubnet('0.0.0.0', 8, 'ipv4')
NEVER.addAddress('::', 'ipv6')
// Alibaba Cloud's metadata service; AWS's over IPv6; Oracle Cloud's legacy one.
NEVER.addAddress('100.100.100.200', 'ipv4')
NEVER.addAddress('fd00:ec2::254', 'ipv6')
NEVER.addAddress('192.0.0.192', 'ipv4')
const METADATA_NAMES = /^(metadata|metadata\.google\.internal|metadata\.goog|instance-data(\.ec2\.internal)?)\.?$/i

/** An IPv4 address written as IPv6 (`::ffff:169.254.169.254`, `::ffff:a9fe:a9fe`) as IPv4, else as given. */
function unmapped (address: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (dotted !== null) return dotted[1]!
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address)
  if (hex === null) return address
  const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)]
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.')
}

/** Whether an IP address is one a webhook may never be sent to. */
export function isForbiddenAddress (address: string): boolean {
  const plain = unmapped(address.replace(/^\[|\]$/g, '').split('%')[0]!)
  const family = isIP(plain)
  if (family === 0) return true
  return NEVER.check(plain, family === 4 ? 'ipv4' : 'ipv6')
}

/** Whether `host` is on the allowlist: exact names, or `*.example.com` for its subdomains. */
export function isAllowedHost (host: string, allowed: string[] | undefined): boolean {
  if (allowed === undefined) return true
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return allowed.some(a => a.startsWith('*.') ? h.endsWith(a.slice(1)) : h === a.replace(/^\[|\]$/g, ''))
}

/**
 * Why a URL may not be a webhook target, or undefined when it may: http(s) only, no credentials
 * in it, on the allowlist, not a metadata name or a forbidden address. Names are resolved again
 * at every send (`guardedLookup`), so a name that later points somewhere forbidden is caught.
 */
export function refusal (raw: string, allowed: string[] | undefined): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'is not a URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL'
  if (url.username !== '' || url.password !== '') return 'must not carry credentials; the signature authenticates Puls'
  const host = url.hostname
  if (!isAllowedHost(host, allowed)) return `host ${host} is not in WEBHOOK_ALLOWED_HOSTS`
  if (METADATA_NAMES.test(host)) return 'is a cloud metadata service'
  const literal = isIP(host.replace(/^\[|\]$/g, '')) !== 0
  if (literal && isForbiddenAddress(host)) return 'is a link-local or cloud metadata address'
  return undefined
}

/** A DNS lookup for the HTTP client that refuses names resolving to a forbidden address, checked at connect time. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err !== null) { callback(err, '', 0); return }
    const bad = addresses.find(a => isForbiddenAddress(a.address))
    if (bad !== undefined) {
      const message = `${hostname} resolves to a link-local or metadata address`
      const error = Object.assign(new Error(message), { code: 'EFORBIDDEN' })
      callback(error, '', 0)
      return
    }
    if (options.all === true) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
    else callback(null, addresses[0]!.address, addresses[0]!.family)
  })
}
