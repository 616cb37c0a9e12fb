import { UsageError } from './args'
import { callCommand, callHelp } from './call'
import { ingestCommand, ingestHelp } from './ingest'
import { keysCommand, keysHelp } from './keys'
import { ledgerCommand, ledgerHelp } from './ledger'
import { mcpCommand, mcpHelp } from './mcp'
import { permit2ApproveCommand, permit2ApproveHelp } from './permit2-approve'
import { serveCommand, serveHelp } from './serve'

const commands: Record<string, { help: string; run(argv: string[]): Promise<void> }> = {
  serve: { help: serveHelp, run: serveCommand },
  ingest: { help: ingestHelp, run: ingestCommand },
  call: { help: callHelp, run: callCommand },
  ledger: { help: ledgerHelp, run: ledgerCommand },
  keys: { help: keysHelp, run: (argv) => keysCommand(argv) },
  'permit2-approve': { help: permit2ApproveHelp, run: permit2ApproveCommand },
  mcp: { help: mcpHelp, run: mcpCommand },
}

const usage = `Usage: x402-analytics <command> [options]

Commands:
  serve     run the API (default network: a local devnet)
  ingest    import market data
  call      call an endpoint and pay for it with x402
  ledger    list recorded payments
  keys      create, list, revoke and rotate admin API keys
  permit2-approve  approve Permit2 once so you can pay in TMAI
  mcp       a local MCP server (stdio) that pays a remote instance for its tools

Run 'x402-analytics <command> --help' for a command's options.`

/**
 * `x402-analytics ledger --json | head -1`: when the reader goes away, stop quietly as other Unix tools do, instead
 * of dying on an unhandled EPIPE with a stack trace. Any other stream error still surfaces.
 */
function exitQuietlyWhenTheReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage)
    return
  }
  const command = commands[name]
  if (!command) {
    console.error(`unknown command: ${name}\n\n${usage}`)
    process.exitCode = 2
    return
  }
  try {
    await command.run(rest)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(`x402-analytics ${name}: ${error.message}\n\n${error.usage}`)
    process.exitCode = 2
  }
}

exitQuietlyWhenTheReaderLeaves(process.stdout)
exitQuietlyWhenTheReaderLeaves(process.stderr)
main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
