import ipaddr from 'ipaddr.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6

/** An address block (`10.0.0.0/8`, `2001:db8::/32`, or one address as a full-length block). */
export interface AddressRange {
  version: 4 | 6
  address: Address
  prefix: number
}

/**
 * One address, strictly: four-part decimal IPv4 (not the `10.0.0` or hex shorthands `inet_aton` accepts) or IPv6;
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes the IPv4 address it maps. Undefined when it is not an address.
 */
function parseAddress(text: string): Address | undefined {
  const value = text.trim()
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return ipaddr.IPv4.parse(value)
  if (!ipaddr.IPv6.isValid(value)) return undefined
  const v6 = ipaddr.IPv6.parse(value)
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6
}

const versionOf = (address: Address): 4 | 6 => (address.kind() === 'ipv4' ? 4 : 6)
const bits = (version: 4 | 6) => (version === 4 ? 32 : 128)

/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `x:y::/n`; undefined when it is none of these. */
export function parseAddressRange(text: string): AddressRange | undefined {
  const [addressText = '', prefixText, extra] = text.trim().split('/')
  if (extra !== undefined) return undefined
  const address = parseAddress(addressText)
  if (!address) return undefined
  const version = versionOf(address)
  let prefix = bits(version)
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return undefined
    // A prefix on an IPv4-mapped IPv6 block counts the 96 mapping bits.
    const mapped = version === 4 && ipaddr.IPv6.isValid(addressText.trim())
    prefix = Number(prefixText) - (mapped ? 96 : 0)
    if (prefix < 0 || prefix > bits(version)) return undefined
  }
  return { version, address, prefix }
}

/** A membership test over address blocks; anything that is not an IP address is outside every block. */
export function createAddressMatcher(ranges: readonly AddressRange[]): (address: string) => boolean {
  return (text) => {
    const address = parseAddress(text)
    if (!address) return false
    return ranges.some(
      (range) => range.address.kind() === address.kind() && address.match(range.address, range.prefix),
    )
  }
}
