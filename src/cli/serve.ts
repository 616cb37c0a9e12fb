import { parseEnv } from '../config/env'
import { devnetAccount, devnetPrivateKey } from '../devnet/accounts'
import { messageOf } from '../lib/errors'
import { startNode } from '../node'
import { parseCommandArgs } from './args'

export const serveHelp = `Usage: x402-analytics serve

Runs the API. Configuration comes from the environment (see .env.example):
  NETWORK=devnet|base|base-sepolia (default devnet: starts a local anvil chain with USDC/TMAI at Base addresses)
  PORT (4021), DEVNET_PORT (8545), DATABASE_PATH (./data/x402-analytics.db), MARKET_DATA_CSV, TOKENS_CSV, …
Stop with Ctrl-C or SIGTERM: in-flight requests finish first (SHUTDOWN_DRAIN_MS), then the devnet chain stops.`

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    { args: argv, options: { help: { type: 'boolean', short: 'h' } } },
    serveHelp,
  )
  if (values.help) return void console.log(serveHelp)
  const config = parseEnv(process.env)
  const node = await startNode(config)
  const banner = [
    '',
    `x402-analytics listening on ${node.url}  (network: ${config.network})`,
    `  RPC URL:  ${node.rpcUrl}`,
    `  payTo:    ${config.payTo ?? devnetAccount(0).address}`,
  ]
  if (config.network === 'devnet') {
    banner.push(
      '',
      'Try it (accounts 1–9 of the test mnemonic hold 1,000 devnet USDC each):',
      `  curl -i '${node.url}/v1/daily-ohlcv?symbol=ETH&limit=3'            # 402 with payment requirements`,
      `  PAYER_PRIVATE_KEY=${devnetPrivateKey(1)} \\`,
      `    npm run cli -- call '/v1/daily-ohlcv?symbol=ETH&limit=3' --url ${node.url}   # pays $0.017 USDC`,
    )
  }
  console.log(banner.join('\n'))
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) {
      // A second signal: the operator does not want to wait for the drain.
      console.error(`${signal} again: exiting without waiting for in-flight requests`)
      process.exit(1)
    }
    stopping = true
    console.log(`\n${signal}: shutting down (draining in-flight requests)`)
    try {
      await node.stop()
      process.exit(0)
    } catch (error) {
      console.error(`shutdown failed: ${messageOf(error)}`)
      process.exit(1)
    }
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
}
