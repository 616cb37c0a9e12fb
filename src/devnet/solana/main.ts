/**
 * The local Solana chain as its own process: `tsx src/devnet/solana/main.ts [--port N]`. Prints one ready line
 * (`solana-devnet ready <url> …`) once it answers; stops on SIGTERM/SIGINT, and with --exit-with-stdin when its
 * stdin closes (the parent that holds the other end has died). startSolanaDevnet() in ./process.ts runs it.
 */
import { parseArgs } from 'node:util'
import { SOLANA_DEVNET_READY } from './process'
import { startSolanaDevnetServer } from './server'

const HELP = `Usage: tsx src/devnet/solana/main.ts [options]

A local Solana chain (LiteSVM) behind a JSON-RPC endpoint, for tests and demos; never production.
State is fresh and in memory on every start (docs/solana-devnet.md).

Options:
  --port N                       port to listen on (default $SOLANA_DEVNET_PORT or 8899; 0 = any free port)
  --host HOST                    address to bind (default 127.0.0.1)
  --slot-ms N                    wall-clock ms per slot (default 400)
  --blockhash-validity-slots N   slots a blockhash stays usable (default 150)
  --exit-with-stdin              exit when stdin closes (set by the parent process)
  --help                         this text`

function positiveInteger(
  name: string,
  text: string | undefined,
  fallback: number,
  allowZero = false,
): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    console.error(`${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer, got "${text}"`)
    process.exit(2)
  }
  return value
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'slot-ms': { type: 'string' },
    'blockhash-validity-slots': { type: 'string' },
    'exit-with-stdin': { type: 'boolean' },
    help: { type: 'boolean' },
  },
})
if (values.help) {
  console.log(HELP)
  process.exit(0)
}

const port = positiveInteger('--port', values.port ?? process.env.SOLANA_DEVNET_PORT, 8899, true)
if (port > 65_535) {
  console.error(`--port must be at most 65535, got ${port}`)
  process.exit(2)
}
const server = await startSolanaDevnetServer({
  port,
  host: values.host,
  slotMs: positiveInteger('--slot-ms', values['slot-ms'], 400),
  blockhashValiditySlots: positiveInteger(
    '--blockhash-validity-slots',
    values['blockhash-validity-slots'],
    150,
  ),
}).catch((error: Error) => {
  console.error(`solana-devnet: could not start: ${error.message}`)
  process.exit(1)
})

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await server.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
if (values['exit-with-stdin']) {
  process.stdin.on('end', stop)
  process.stdin.on('close', stop)
  process.stdin.resume()
}

const { accounts } = server
console.log(
  `${SOLANA_DEVNET_READY} ${server.rpcUrl} mint=${accounts.mint} feePayer=${accounts.feePayer} payTo=${accounts.payTo} payers=${accounts.payers.length}`,
)
