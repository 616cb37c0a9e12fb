/**
 * x402-hono 1.1 with the x402 1.2 facilitator, self-facilitated: the facilitator's /verify and /settle are routes of
 * the same server, calling `verify`/`settle` from `x402/facilitator` with a viem wallet on the bench devnet.
 */
import { Hono } from 'hono'
import { settle, verify } from 'x402/facilitator'
import { paymentMiddleware } from 'x402-hono'
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

let app: Hono | undefined
const url = await serveAndAnnounce((request) => app!.fetch(request))
const facilitator = new Hono()
facilitator.post('/verify', async (c) => {
  const body = await c.req.json()
  return c.json(await verify(wallet as never, body.paymentPayload, body.paymentRequirements))
})
facilitator.post('/settle', async (c) => {
  const body = await c.req.json()
  try {
    return c.json(await settle(wallet as never, body.paymentPayload, body.paymentRequirements))
  } catch (error) {
    // x402 1.2's settle throws on a revert instead of answering with a reason.
    return c.json({
      success: false,
      errorReason: 'unexpected_settle_error',
      transaction: '',
      network: 'base',
      error: String(error),
    })
  }
})
const routes = new Hono()
routes.route('/facilitator', facilitator)
routes.use(
  paymentMiddleware(
    payTo,
    { [`GET ${BENCH_PATH}`]: { price: `$${BENCH_PRICE_USD}`, network: 'base' } },
    { url: `${url}/facilitator` as `${string}://${string}` },
  ),
)
routes.get(BENCH_PATH, (c) => c.body(REFERENCE_BODY, 200, { 'Content-Type': 'application/json' }))
app = routes
