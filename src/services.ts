import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ChainIdGuard } from './chain/chain-id-guard'
import { shortMessage } from './chain/errors'
import { Relayer } from './chain/relayer'
import { withRpcErrorMetrics } from './chain/rpc-error-metrics'
import { RPC_MAX_RESPONSE_BYTES } from './chain/rpc-limits'
import type { Config } from './config/env'
import { chainFor, NETWORKS, type NetworkConfig } from './config/networks'
import type { Db } from './db/client'
import type { Logger } from './lib/logger'
import { noopMetrics, type PaymentMetrics } from './lib/metrics'
import type { RateLimitPort } from './lib/rate-limit'
import { MarketStore } from './market-data/store'
import type { PaidEvent } from './paid/context'
import { createPaidRequestCore, type PaidRequestCore } from './paid/core'
import { paidEventsToMetrics } from './paid/metrics'
import { ExposureLimiter } from './payments/exposure'
import { IdempotencyStore } from './payments/idempotency'
import { Ledger } from './payments/ledger'
import { SpendLimiter } from './payments/spend-limits'
import { type QuoteStore, TmaiQuoteBook, type TmaiRateFeed } from './pricing/tmai-offers'
import { createTmaiPriceFeed } from './pricing/tmai-price'
import { chainGuardedFacilitator } from './x402/chain-guarded-facilitator'
import type { Facilitator } from './x402/facilitator'
import { createRemoteFacilitator } from './x402/remote-facilitator'
import { createSchemes } from './x402/schemes'
import { createSelfFacilitator } from './x402/self-facilitator'

/** Every long-lived service the app is built from (composed once per process by {@link createServices}). */
export interface Services {
  config: Config
  db: Db
  /** Read access to the chain (verification of payer-signed policies, smart wallets included). */
  client: PublicClient
  network: NetworkConfig
  payTo: Address
  market: MarketStore
  ledger: Ledger
  facilitator: Facilitator
  /** TMAI quotes (absent: TMAI is not offered). */
  tmai?: TmaiQuoteBook
  limiter: SpendLimiter
  idempotency: IdempotencyStore
  /** Caps on unsettled USD served by optimistic routes. */
  exposure?: ExposureLimiter
  /** The paid-request flow every door (HTTP, MCP) goes through. */
  paid: PaidRequestCore
  logger: Logger
  /** Where /admin counts its clients' requests (absent: this process's memory). */
  adminAccess?: AdminAccess
}

/** Set by an entry whose memory differs from one Node process (Workers: the rate-limit buckets live in a DO). */
export interface AdminAccess {
  createRateLimiter?: (scope: 'ip' | 'key', perMinute: number) => RateLimitPort
}

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
  /** Replaces the facilitator (tests inject faults around the real one). */
  wrapFacilitator?: (facilitator: Facilitator) => Facilitator
  /** Where payment outcomes, durations and RPC errors are recorded (/metrics). */
  metrics?: PaymentMetrics
  /** Also receives every payment-flow event (tests). */
  observe?: (event: PaidEvent) => void
  /**
   * Who broadcasts for the settlement key (default: a Relayer in this process). Workers pass one that calls the
   * key's Durable Object, so every isolate shares one nonce sequence.
   */
  createRelayer?: (
    wallet: WalletClient<Transport, Chain, Account>,
    client: PublicClient,
    options: Config['settlement'],
  ) => Pick<Relayer, 'send'>
  /** Where TMAI quotes are kept (default: this process's memory); Workers share them across isolates. */
  quoteStore?: QuoteStore
  adminAccess?: AdminAccess
}

/** The chain clients of the configured network (its own chain id: 8453 on base and the devnet, 84532 on sepolia). */
export function createChainClients(
  config: Config,
  rpcUrl: string,
  metrics: Pick<PaymentMetrics, 'recordRpcError'> = noopMetrics,
) {
  const chain = chainFor(NETWORKS[config.network], rpcUrl)
  // One HTTP transport with request batching off: verification runs a handful of calls in parallel. No answer is
  // read past RPC_MAX_RESPONSE_BYTES (a larger one is an RPC fault: fail closed).
  const transport = (retryCount: number) =>
    withRpcErrorMetrics(
      http(rpcUrl, { timeout: 10_000, retryCount, maxResponseBodySize: RPC_MAX_RESPONSE_BYTES }),
      metrics,
    )
  const client = createPublicClient({ chain, transport: transport(1) })
  const walletFor = (privateKey: `0x${string}`) =>
    createWalletClient({ chain, account: privateKeyToAccount(privateKey), transport: transport(0) })
  return { chain, client: client as PublicClient, walletFor }
}

/** The composition root: every long-lived service, built once per process. */
export function createServices(options: ServiceOptions): Services {
  const { config, db, rpcUrl, logger } = options
  const network = NETWORKS[config.network]
  const metrics = options.metrics ?? noopMetrics
  // Any failed RPC call makes the next verification re-check the chain id first (the node may have changed).
  let guard: ChainIdGuard | undefined
  const { client, walletFor } = createChainClients(config, rpcUrl, {
    recordRpcError: (event) => {
      metrics.recordRpcError(event)
      guard?.rpcFailed()
    },
  })
  guard = chainIdGuard(config, network, client, metrics, logger)
  const payTo = (config.payTo ?? options.devnetDefaults?.payTo) as Address | undefined
  if (!payTo) throw new Error('PAY_TO is required')
  const settlerKey = config.settlerPrivateKey ?? options.devnetDefaults?.settlerPrivateKey

  // Remote-facilitator mode never broadcasts: its schemes only read the chain (to resolve pending payments).
  const readOnlyRelayer = {
    send: () => Promise.reject(new Error('this process does not broadcast settlements')),
  }
  let relayer: Pick<Relayer, 'send'> = readOnlyRelayer
  let settler: Address = payTo
  if (!config.facilitatorUrl) {
    if (!settlerKey) throw new Error('SETTLER_PRIVATE_KEY or FACILITATOR_URL is required')
    const wallet = walletFor(settlerKey)
    relayer = options.createRelayer
      ? options.createRelayer(wallet, client, config.settlement)
      : new Relayer(wallet, client, config.settlement)
    settler = wallet.account.address
  }
  const self = createSelfFacilitator(
    createSchemes({
      client,
      relayer,
      settler,
      nowSeconds: () => Math.floor(Date.now() / 1000),
      clockSkewSeconds: config.clockSkewSeconds,
      receiptTimeoutMs: config.settlementTimeoutMs,
    }),
  )
  const configured: Facilitator = chainGuardedFacilitator(
    config.facilitatorUrl
      ? createRemoteFacilitator({ url: config.facilitatorUrl, resolve: self.resolve })
      : self,
    guard,
  )
  const facilitator = options.wrapFacilitator ? options.wrapFacilitator(configured) : configured
  const tmai = tmaiQuoteBook(
    config,
    network,
    options.quoteStore,
    options.tmaiFeed ??
      createTmaiPriceFeed({
        config,
        network,
        client,
        onRejection: (rejection) =>
          logger.warn('TMAI price reading rejected', { reason: rejection.reason, detail: rejection.message }),
      }),
  )
  const ledger = new Ledger(db)
  const limiter = new SpendLimiter(db, config.spendCaps, options.nowSeconds)
  const idempotency = new IdempotencyStore(db, config.idempotency)
  const exposure = new ExposureLimiter(db, config.exposureCaps)
  const paid = createPaidRequestCore({
    network,
    payTo,
    maxTimeoutSeconds: config.maxTimeoutSeconds,
    maxPaymentHeaderBytes: config.maxPaymentHeaderBytes,
    verifyTimeoutMs: config.verifyTimeoutMs,
    ledger,
    limiter,
    idempotency,
    facilitator,
    tmai,
    exposure,
    logger,
    observe: observeAll(paidEventsToMetrics(metrics), options.observe),
  })
  return {
    config,
    db,
    client,
    network,
    payTo,
    tmai,
    market: new MarketStore(db),
    ledger,
    limiter,
    idempotency,
    exposure,
    facilitator,
    paid,
    logger,
    adminAccess: options.adminAccess,
  }
}

/** The chain id check in front of every verification and settlement, logging and counting what it finds. */
function chainIdGuard(
  config: Config,
  network: NetworkConfig,
  client: PublicClient,
  metrics: Pick<PaymentMetrics, 'recordChainIdCheck'>,
  logger: Logger,
): ChainIdGuard {
  return new ChainIdGuard({
    expected: network.chainId,
    read: () => client.getChainId(),
    intervalMs: config.chainIdCheckIntervalMs,
    onCheck: (check, previous) => {
      metrics.recordChainIdCheck({ result: check.result })
      if (check.result === previous?.result) return
      if (check.result === 'mismatch') {
        logger.error('RPC chain id changed: verification and settlement stopped until it matches again', {
          chainId: check.chainId,
          expected: network.chainId,
        })
      } else if (check.result === 'error') {
        logger.warn('RPC chain id could not be read', { error: shortMessage(check.error) })
      } else if (previous) {
        logger.info('RPC chain id matches again: verification and settlement resume', {
          chainId: check.chainId,
        })
      }
    },
  })
}

function observeAll(...observers: (((event: PaidEvent) => void) | undefined)[]): (event: PaidEvent) => void {
  const present = observers.filter((o) => o !== undefined)
  return (event) => {
    for (const observe of present) observe(event)
  }
}

function tmaiQuoteBook(
  config: Config,
  network: NetworkConfig,
  store: QuoteStore | undefined,
  feed: TmaiRateFeed | undefined,
): TmaiQuoteBook | undefined {
  if (!network.tmai || !feed) return undefined
  return new TmaiQuoteBook(feed, { tmai: network.tmai, discount: config.tmai.discount, store })
}
