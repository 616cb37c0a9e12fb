import type { Config } from '../config/env'
import { createAddressMatcher, parseAddressRange } from '../lib/ip-address'

/** The origin of the URLs we publish for one request, and whether it came from the request (its Host). */
export interface PublicOrigin {
  origin: string
  /** True when the answer depends on the request's Host: caches must key on it (`Vary: Host`) and not share it. */
  fromRequest: boolean
}

const loopbackAddress = createAddressMatcher(
  ['127.0.0.0/8', '::1/128'].map((range) => parseAddressRange(range)!),
)

/** `localhost`, an address in 127.0.0.0/8, or `::1` (bracketed or not). */
export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return name === 'localhost' || loopbackAddress(name)
}

/** The hostname of an origin (`http://host:port`), without its port. */
function hostnameOf(origin: string): string {
  const host = origin.slice(origin.indexOf('//') + 2)
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
  const colon = host.indexOf(':')
  return colon === -1 ? host : host.slice(0, colon)
}

/**
 * Where clients reach us, for every URL we publish (402 resource URLs, OpenAPI `servers`, /.well-known/x402, llms.txt,
 * GET /): PUBLIC_URL when it is set (required outside the devnet); without it, the origin the request came to only
 * when its Host is a loopback name, else the loopback default — never a Host a client, or a cache poisoner, chose.
 */
export function createPublicOrigin(
  config: Pick<Config, 'publicUrl' | 'port'>,
): (requestOrigin: string) => PublicOrigin {
  if (config.publicUrl) {
    const fixed: PublicOrigin = { origin: config.publicUrl.replace(/\/+$/, ''), fromRequest: false }
    return () => fixed
  }
  const fallback = `http://127.0.0.1:${config.port}`
  return (requestOrigin) => ({
    origin: isLoopbackHostname(hostnameOf(requestOrigin)) ? requestOrigin : fallback,
    fromRequest: true,
  })
}
