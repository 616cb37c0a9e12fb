/**
 * What the Worker bundle's libraries take from Node's `url` (wrangler.toml `[alias]`): @x402/extensions checks
 * resource hosts with `domainToASCII`. The WHATWG URL parser does the same IDNA conversion, so the Worker needs no
 * nodejs_compat.
 */
export function domainToASCII(domain: string): string {
  try {
    return new URL(`http://${domain}`).hostname
  } catch {
    return ''
  }
}

export default { domainToASCII }
