/** What every server of the side-by-side bench shares: its one route, its devnet chain, and how it says it is ready. */
import { serve } from '@hono/node-server'
import { createPublicClient, createWalletClient, http, publicActions } from 'viem'
import { nonceManager, privateKeyToAccount } from 'viem/accounts'
import { devnetChain } from '../../src/devnet/setup'

/** The route every server sells, priced like our tier 1, and the request every client makes of it. */
export const BENCH_PATH = '/v1/daily-ohlcv'
export const BENCH_REQUEST = `${BENCH_PATH}?symbol=BTC&limit=2`
export const BENCH_PRICE_USD = '0.017'
/**
 * How often the viem clients of the references poll for blocks and receipts: set by the driver per block mode (25 ms
 * on an automining devnet, where a receipt exists within milliseconds; 250 ms with 2-s blocks, our relayer's cadence).
 */
export const POLLING_INTERVAL_MS = Number(process.env.REFERENCE_POLLING_MS ?? 250)

export function requiredEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

/** A settlement wallet (with public actions) on the bench devnet, nonces kept by viem's nonce manager. */
export function settlementWallet(rpcUrl: string, privateKey: `0x${string}`) {
  const chain = devnetChain(rpcUrl)
  const account = privateKeyToAccount(privateKey, { nonceManager })
  const wallet = createWalletClient({
    account,
    chain,
    transport: http(rpcUrl),
    pollingInterval: POLLING_INTERVAL_MS,
  }).extend(publicActions)
  const client = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: POLLING_INTERVAL_MS })
  return { wallet, client, chain }
}

/** Serves `fetch` on a free loopback port and prints `READY <url>` for the bench driver. */
export function serveAndAnnounce(fetch: (request: Request) => Response | Promise<Response>) {
  return new Promise<string>((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => {
      // Idle keep-alive sockets outlive the clients' own idle timeout, so no request races a closing socket.
      Object.assign(server, { keepAliveTimeout: 65_000, headersTimeout: 66_000 })
      const address = server.address()
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
      process.stdout.write(`READY ${url}\n`)
      resolve(url)
    })
    const stop = () => server.close(() => process.exit(0))
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
}

/** A small JSON answer for the references' route (ours serves its real, cached answer of similar size). */
export const REFERENCE_BODY = JSON.stringify({
  success: true,
  message: 'ok',
  length: 2,
  data: [
    {
      TOKEN_SYMBOL: 'BTC',
      DATE: '2026-03-17',
      OPEN: 61000,
      HIGH: 62000,
      LOW: 60000,
      CLOSE: 61500,
      VOLUME: 1e9,
    },
    {
      TOKEN_SYMBOL: 'BTC',
      DATE: '2026-03-18',
      OPEN: 61500,
      HIGH: 62500,
      LOW: 60500,
      CLOSE: 62000,
      VOLUME: 1e9,
    },
  ],
})
