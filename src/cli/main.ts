import { callCommand, callHelp } from './call'
import { ingestCommand, ingestHelp } from './ingest'
import { keysCommand, keysHelp } from './keys'
import { ledgerCommand, ledgerHelp } from './ledger'
import { mcpCommand, mcpHelp } from './mcp'
import { permit2ApproveCommand, permit2ApproveHelp } from './permit2-approve'
import { serveCommand, serveHelp } from './serve'

const commands: Record<string, { help: string; run(argv: string[]): Promise<void> }> = {
  serve: { help: serveHelp, run: () => serveCommand() },
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
  if (name === 'serve' && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(command.help)
    return
  }
  await command.run(rest)
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
})
