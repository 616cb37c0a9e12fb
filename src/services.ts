import { type Address, createPublicClient, createWalletClient, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Services } from './app'
import { Relayer } from './chain/relayer'
import type { Config } from './config/env'
import { NETWORKS, type NetworkConfig } from './config/networks'
import type { Db } from './db/client'
import { devnetChain } from './devnet/setup'
import type { Logger } from './lib/logger'
import { MarketStore } from './market-data/store'
import { IdempotencyStore } from './payments/idempotency'
import { Ledger } from './payments/ledger'
import { SpendLimiter } from './payments/spend-limits'
import { TmaiQuoteBook, type TmaiRateFeed } from './pricing/tmai-offers'
import { createTmaiPriceFeed } from './pricing/tmai-price'
import { createRemoteFacilitator } from './x402/remote-facilitator'
import { createExactEip3009Scheme } from './x402/schemes/exact-eip3009'
import { createExactPermit2Scheme } from './x402/schemes/exact-permit2'
import { createSelfFacilitator } from './x402/self-facilitator'

export interface ServiceOptions {
  config: Config
  db: Db
  /** The RPC to use (the devnet's own URL on NETWORK=devnet). */
  rpcUrl: string
  logger: Logger
  /** Defaults for NETWORK=devnet: account 0 settles and receives. */
  devnetDefaults?: { payTo: Address; settlerPrivateKey: `0x${string}` }
  /** Clock for spend-limit windows (tests move it). */
  nowSeconds?: () => number
  /** Replaces the configured TMAI/USD feed (tests drive staleness and outages with it). */
  tmaiFeed?: TmaiRateFeed
}

/** The composition root: every long-lived service, built once per process. */
export function createServices(options: ServiceOptions): Services {
  const { config, db, rpcUrl, logger } = options
  const network = NETWORKS[config.network]
  const chain = devnetChain(rpcUrl)
  // One HTTP transport with request batching off: verification runs a handful of calls in parallel.
  const client = createPublicClient({ chain, transport: http(rpcUrl, { timeout: 10_000, retryCount: 1 }) })
  const payTo = (config.payTo ?? options.devnetDefaults?.payTo) as Address | undefined
  if (!payTo) throw new Error('PAY_TO is required')
  const settlerKey = config.settlerPrivateKey ?? options.devnetDefaults?.settlerPrivateKey
  const receiptTimeoutMs = config.settlementTimeoutMs
  const nowSeconds = () => Math.floor(Date.now() / 1000)

  // Remote-facilitator mode never broadcasts: its schemes only read the chain (to resolve pending payments).
  const readOnlyRelayer = {
    send: () => Promise.reject(new Error('this process does not broadcast settlements')),
  }
  let relayer: Pick<Relayer, 'send'> = readOnlyRelayer
  let settler: Address = payTo
  if (!config.facilitatorUrl) {
    if (!settlerKey) throw new Error('SETTLER_PRIVATE_KEY or FACILITATOR_URL is required')
    const account = privateKeyToAccount(settlerKey)
    const wallet = createWalletClient({
      chain,
      account,
      transport: http(rpcUrl, { timeout: 10_000, retryCount: 0 }),
    })
    relayer = new Relayer(wallet, client)
    settler = account.address
  }
  const schemeDeps = {
    client,
    relayer,
    settler,
    nowSeconds,
    clockSkewSeconds: config.clockSkewSeconds,
    receiptTimeoutMs,
  }
  const self = createSelfFacilitator({
    eip3009: createExactEip3009Scheme(schemeDeps),
    permit2: createExactPermit2Scheme(schemeDeps),
  })
  const facilitator: Services['facilitator'] = config.facilitatorUrl
    ? createRemoteFacilitator({ url: config.facilitatorUrl, resolve: self.resolve })
    : self
  return {
    config,
    db,
    client: client as PublicClient,
    network,
    payTo,
    tmai: tmaiQuoteBook(
      config,
      network,
      options.tmaiFeed ??
        createTmaiPriceFeed({
          config,
          network,
          client: client as PublicClient,
          onRejection: (rejection) =>
            logger.warn('TMAI price reading rejected', {
              reason: rejection.reason,
              detail: rejection.message,
            }),
        }),
    ),
    market: new MarketStore(db),
    ledger: new Ledger(db),
    limiter: new SpendLimiter(db, config.spendCaps, options.nowSeconds),
    idempotency: new IdempotencyStore(db, config.idempotency),
    facilitator,
    logger,
  }
}

function tmaiQuoteBook(
  config: Config,
  network: NetworkConfig,
  feed: TmaiRateFeed | undefined,
): TmaiQuoteBook | undefined {
  if (!network.tmai || !feed) return undefined
  return new TmaiQuoteBook(feed, { tmai: network.tmai, discount: config.tmai.discount })
}
