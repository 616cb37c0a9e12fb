import {
  convertIPv4MappedIPv6ToIPv4,
  convertIPv4ToBinary,
  convertIPv6ToBinary,
  distinctRemoteAddr,
  isIPv4MappedIPv6,
} from 'hono/utils/ipaddr'

/** An address block: `network` is the address with its host bits cleared. */
export interface AddressRange {
  version: 4 | 6
  network: bigint
  prefix: number
}

interface BinaryAddress {
  version: 4 | 6
  value: bigint
}

/** An IPv4 or IPv6 address as a number; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4. Zone ids are dropped. */
function toBinary(text: string): BinaryAddress | undefined {
  const address = text.trim().replace(/%.*$/, '')
  const kind = distinctRemoteAddr(address)
  if (kind === 'IPv4') return { version: 4, value: convertIPv4ToBinary(address) }
  if (kind !== 'IPv6') return undefined
  let value: bigint
  try {
    value = convertIPv6ToBinary(address)
  } catch {
    return undefined
  }
  return isIPv4MappedIPv6(value)
    ? { version: 4, value: convertIPv4MappedIPv6ToIPv4(value) }
    : { version: 6, value }
}

const bits = (version: 4 | 6) => (version === 4 ? 32 : 128)
const maskOf = (version: 4 | 6, prefix: number) =>
  ((1n << BigInt(prefix)) - 1n) << BigInt(bits(version) - prefix)

/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `x:y::/n`; undefined when it is none of these. */
export function parseAddressRange(text: string): AddressRange | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/')
  if (extra !== undefined) return undefined
  const parsed = toBinary(address)
  if (!parsed) return undefined
  const mapped = parsed.version === 4 && distinctRemoteAddr(address.trim()) === 'IPv6'
  let prefix = bits(parsed.version)
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return undefined
    // A prefix on an IPv4-mapped IPv6 block counts the 96 mapping bits.
    prefix = Number(prefixText) - (mapped ? 96 : 0)
    if (prefix < 0 || prefix > bits(parsed.version)) return undefined
  }
  return { version: parsed.version, prefix, network: parsed.value & maskOf(parsed.version, prefix) }
}

/** A membership test over address blocks; anything that is not an IP address is outside every block. */
export function createAddressMatcher(ranges: readonly AddressRange[]): (address: string) => boolean {
  return (address) => {
    const parsed = toBinary(address)
    if (!parsed) return false
    return ranges.some(
      (r) => r.version === parsed.version && (parsed.value & maskOf(r.version, r.prefix)) === r.network,
    )
  }
}
