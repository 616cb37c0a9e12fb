/**
 * What the Worker bundle's libraries take from Node's `util` (wrangler.toml `[alias]`): prom-client formats its
 * error messages with `format` and `inspect`. Web-only versions of the two, so the Worker needs no nodejs_compat.
 */
/** Node's `util.inspect` for what error messages hold: strings, numbers, plain arrays and objects. */
export function inspect(value: unknown): string {
  if (typeof value === 'string') return `'${value.replaceAll("'", "\\'")}'`
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  if (Array.isArray(value)) return value.length ? `[ ${value.map(inspect).join(', ')} ]` : '[]'
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([key, v]) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`}: ${inspect(v)}`,
    )
    return entries.length ? `{ ${entries.join(', ')} }` : '{}'
  }
  return String(value)
}

/** `%s`, `%d`, `%i`, `%f`, `%j`, `%o`, `%O` and `%%`, as Node's `util.format`; extra arguments are appended. */
export function format(template?: unknown, ...args: unknown[]): string {
  if (typeof template !== 'string') return [template, ...args].map((a) => inspect(a)).join(' ')
  let next = 0
  const out = template.replace(/%[sdifjoO%]/g, (token) => {
    if (token === '%%') return '%'
    if (next >= args.length) return token
    const arg = args[next++]
    switch (token) {
      case '%s':
        return typeof arg === 'string' ? arg : inspect(arg)
      case '%d':
      case '%i':
        return String(token === '%i' ? Math.trunc(Number(arg)) : Number(arg))
      case '%f':
        return String(Number(arg))
      case '%j':
        return JSON.stringify(arg)
      default:
        return inspect(arg)
    }
  })
  const rest = args.slice(next).map((a) => (typeof a === 'string' ? a : inspect(a)))
  return [out, ...rest].join(' ')
}

export default { format, inspect }
