import type { Context } from 'hono'
import { createAddressMatcher, parseAddressRange } from '../lib/ip-address'

/** The peer address of the connection, as the runtime reports it (undefined when there is no socket). */
export type SocketAddress = (c: Context) => string | undefined
/** The address a request is attributed to (rate limits, audit trail); "unknown" when it cannot be told. */
export type ClientAddress = (c: Context) => string

export interface ClientAddressOptions {
  /** Runtime specific: @hono/node-server's conninfo on Node, `cf-connecting-ip` on Workers. */
  socketAddress?: SocketAddress
  /** TRUST_PROXY: addresses / CIDR blocks of proxies whose X-Forwarded-For is believed. */
  trustedProxies?: readonly string[]
}

const MAX_ADDRESS_LENGTH = 64

/** `1.2.3.4:80` and `[::1]:80` (some proxies keep the port) to the bare address. */
function bareAddress(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop)
  if (bracketed) return bracketed[1]!
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop)
  return v4WithPort ? v4WithPort[1]! : hop
}

/**
 * Without trusted proxies the client is the socket peer: headers are the client's to choose. When the peer is a
 * trusted proxy, X-Forwarded-For is read from the right (each proxy appends the address it saw), skipping trusted
 * hops; the first untrusted hop is the client, and whatever lies left of it is the client's own claim.
 */
export function createClientAddress(options: ClientAddressOptions = {}): ClientAddress {
  const socketAddress = options.socketAddress ?? (() => undefined)
  const ranges = (options.trustedProxies ?? []).map((entry) => {
    const range = parseAddressRange(entry)
    if (!range) throw new Error(`not a proxy address or CIDR block: ${entry}`)
    return range
  })
  const trusted = createAddressMatcher(ranges)
  return function clientAddress(c) {
    const peer = socketAddress(c)
    if (!peer) return 'unknown'
    if (ranges.length === 0 || !trusted(peer)) return peer
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((hop) => bareAddress(hop.trim()))
      .filter(Boolean)
    let client = peer
    for (let i = hops.length - 1; i >= 0; i--) {
      client = hops[i]!
      if (!trusted(client)) break
    }
    return client.slice(0, MAX_ADDRESS_LENGTH)
  }
}
