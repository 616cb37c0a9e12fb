/**
 * @x402/hono 2.27, self-facilitated: its resource server asks @x402/core's own facilitator in-process (no HTTP hop),
 * with @x402/evm's exact scheme and a viem wallet on the bench devnet.
 */
import { x402Facilitator } from '@x402/core/facilitator'
import { x402ResourceServer } from '@x402/core/server'
import { toFacilitatorEvmSigner } from '@x402/evm'
import { registerExactEvmScheme } from '@x402/evm/exact/facilitator'
import { ExactEvmScheme } from '@x402/evm/exact/server'
import { paymentMiddleware } from '@x402/hono'
import { Hono } from 'hono'
import {
  BENCH_PATH,
  BENCH_PRICE_USD,
  REFERENCE_BODY,
  requiredEnv,
  serveAndAnnounce,
  settlementWallet,
} from './common'

const rpcUrl = requiredEnv('RPC_URL')
const payTo = requiredEnv('PAY_TO') as `0x${string}`
const { wallet } = settlementWallet(rpcUrl, requiredEnv('SETTLER_KEY') as `0x${string}`)

const facilitator = new x402Facilitator()
registerExactEvmScheme(facilitator, {
  signer: toFacilitatorEvmSigner(Object.assign(wallet, { address: wallet.account.address }) as never),
  networks: 'eip155:8453',
})
const server = new x402ResourceServer(facilitator as never).register('eip155:8453', new ExactEvmScheme())
const app = new Hono()
app.use(
  paymentMiddleware(
    {
      [`GET ${BENCH_PATH}`]: {
        accepts: { scheme: 'exact', price: `$${BENCH_PRICE_USD}`, network: 'eip155:8453', payTo },
        description: 'daily candles',
        mimeType: 'application/json',
      },
    },
    server,
  ),
)
app.get(BENCH_PATH, (c) => c.body(REFERENCE_BODY, 200, { 'Content-Type': 'application/json' }))
await serveAndAnnounce(app.fetch)
