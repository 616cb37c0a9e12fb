import { type ParseArgsConfig, parseArgs } from 'node:util'

/** A mistake in how a command was called: main prints the one-line message, then the command's usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError'
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message)
  }
}

/** Node's parseArgs messages, reworded to name the flag in one line. */
function describeParseError(error: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(error.message)?.[1]
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? ''}`.trim()
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted ?? ''}`.trim()
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '--state <value>' argument missing" / "Option '-h, --help' does not take an argument"
      const flag = quoted?.split(/[ ,]+/).find((part) => part.startsWith('--')) ?? quoted
      return /missing/.test(error.message) ? `${flag} needs a value` : `${flag} takes no value`
    }
    default:
      return error.message
  }
}

/** `parseArgs` (strict) that reports a bad flag as a UsageError carrying the command's usage. */
export function parseCommandArgs<const T extends ParseArgsConfig>(config: T, usage: string) {
  try {
    return parseArgs<T>(config)
  } catch (error) {
    const code = (error as { code?: string }).code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError(describeParseError(error as Error & { code?: string }), usage)
    }
    throw error
  }
}
