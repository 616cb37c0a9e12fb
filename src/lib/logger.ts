import pino from 'pino'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
export type LogFormat = 'json' | 'text'

/** What every caller logs through; the implementation (pino) stays behind it. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

export interface LoggerOptions {
  /** `text` (default): `time LEVEL message key=value …`; `json`: one JSON object per line. */
  format?: LogFormat
  /**
   * Fields of the current scope merged into every line (the request id while a request runs). Node passes an
   * AsyncLocalStorage reader; without one, lines carry only what callers pass.
   */
  context?: () => Record<string, unknown> | undefined
}

/** Field names whose values never reach a log line, whatever the caller passes and however deep. */
const SECRET_FIELD = /key|secret|password|token|authorization|signature|payment-signature|x-payment$/i
/** Names that match SECRET_FIELD but are public. */
const PUBLIC_FIELD = /^(payTo|tokens?|tokenId)$/i
const REDACTED = '[redacted]'
/** Set by pino on every line; not part of the caller's fields in text form. */
const LINE_KEYS = new Set(['level', 'time', 'msg'])

const isSecretField = (name: string) => SECRET_FIELD.test(name) && !PUBLIC_FIELD.test(name)

/** Makes one field safe and serialisable: secrets redacted at any depth, bigints as strings, errors as messages. */
function cleanValue(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) return value.message
  if (depth > 4 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v) => cleanValue(v, depth + 1))
  return cleanFields(value as Record<string, unknown>, depth + 1)
}

function cleanFields(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue
    out[name] = isSecretField(name) ? REDACTED : cleanValue(value, depth)
  }
  return out
}

function formatTextValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value
  return JSON.stringify(value)
}

/** Turns one pino JSON line into the project's readable `time LEVEL message key=value …` form. */
export function formatTextLine(jsonLine: string): string {
  const entry = JSON.parse(jsonLine) as Record<string, unknown>
  const parts = Object.entries(entry)
    .filter(([k]) => !LINE_KEYS.has(k))
    .map(([k, v]) => `${k}=${formatTextValue(v)}`)
  const level = String(entry.level).toUpperCase().padEnd(5)
  return `${entry.time} ${level} ${entry.msg}${parts.length ? ` ${parts.join(' ')}` : ''}`
}

/** json unless a person is watching stderr. */
export function defaultLogFormat(): LogFormat {
  return process.stderr.isTTY ? 'text' : 'json'
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

/**
 * A pino logger behind the project's `Logger` interface. Lines go to stderr (stdout stays for command output), or to
 * `write` (tests), synchronously so nothing is lost when the process exits right after.
 */
export function createLogger(
  level: LogLevel = 'info',
  write?: (line: string) => void,
  options: LoggerOptions = {},
): Logger {
  const format = options.format ?? 'text'
  const emit = write ?? ((line: string) => process.stderr.write(`${line}\n`))
  const destination =
    format === 'json' && !write
      ? pino.destination({ dest: 2, sync: true })
      : {
          write(chunk: string) {
            const line = chunk.trimEnd()
            emit(format === 'json' ? line : formatTextLine(line))
          },
        }
  const context = options.context
  const log = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => cleanFields(fields),
      },
      // A copy: pino merges the caller's fields into the mixin's object.
      mixin: context ? () => ({ ...context() }) : undefined,
    },
    destination,
  )
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  }
}
