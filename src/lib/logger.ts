export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }
/** Field names whose values never reach a log line, whatever the caller passes. */
const SECRET_FIELD = /key|secret|password|token|authorization|signature|payment-signature|x-payment$/i

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) return JSON.stringify(value.message)
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
}

/**
 * A line sink that gathers the lines written during one turn of the event loop and hands them to `flushTo` as one
 * chunk afterwards (or sooner past `maxBytes`), so a busy server makes one write per turn instead of one per line.
 * `flush()` writes what is pending at once (call it on exit).
 */
export function batchedSink(flushTo: (chunk: string) => void, maxBytes = 64 * 1024) {
  let pending: string[] = []
  let bytes = 0
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const chunk = `${pending.join('\n')}\n`
    pending = []
    bytes = 0
    flushTo(chunk)
  }
  const write = (line: string) => {
    pending.push(line)
    bytes += line.length + 1
    if (bytes >= maxBytes) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
  return { write, flush }
}

/** `2026-11-22T23:59:00.000Z INFO message key=value …` lines on stderr (stdout stays for command output). */
export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Logger {
  const log = (at: Exclude<LogLevel, 'silent'>, message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[at] < ORDER[level]) return
    const parts = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(
        ([k, v]) =>
          `${k}=${SECRET_FIELD.test(k) && !/^(payTo|tokens?|tokenId)$/i.test(k) ? '[redacted]' : formatValue(v)}`,
      )
    write(
      `${new Date().toISOString()} ${at.toUpperCase().padEnd(5)} ${message}${parts.length ? ` ${parts.join(' ')}` : ''}`,
    )
  }
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  }
}
