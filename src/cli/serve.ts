import { parseEnv } from '../config/env'
import { devnetAccount, devnetPrivateKey } from '../devnet/accounts'
import { startNode } from '../node'
import { parseCommandArgs } from './args'

export const serveHelp = `Usage: x402-analytics serve

Runs the API. Configuration comes from the environment (see .env.example):
  NETWORK=devnet|base|base-sepolia (default devnet: starts a local anvil chain with USDC/TMAI at Base addresses)
  PORT (4021), DEVNET_PORT (8545), DATABASE_PATH (./data/x402-analytics.db), MARKET_DATA_CSV, TOKENS_CSV, …
Stop with Ctrl-C: the devnet chain stops with it.`

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
  const shutdown = async (signal: string) => {
    console.log(`\n${signal}: shutting down`)
    await node.stop()
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
}
