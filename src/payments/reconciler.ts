import type { Hash } from 'viem'
import type { NetworkConfig } from '../config/networks'
import type { Payment } from '../db/schema'
import { messageOf } from '../lib/errors'
import type { Logger } from '../lib/logger'
import type { PaymentMetrics } from '../lib/metrics'
import { usdMicros } from '../lib/money'
import type { PaymentAttempt } from '../x402/attempt'
import type { Facilitator } from '../x402/facilitator'
import { schemePayloads } from '../x402/schemes'
import { payloadReaderFor } from '../x402/schemes/scheme'
import type { ExposureLimiter } from './exposure'
import type { IdempotencyStore } from './idempotency'
import type { Ledger, StoredPayload } from './ledger'
import type { SpendLimiter } from './spend-limits'

export interface ReconcileSummary {
  checked: number
  settled: number
  failed: number
  unresolved: number
  errors: number
  /** Reservations of requests that died before settling, released (their spend given back). */
  abandoned: number
  /** `released` rows past their retention, deleted. */
  pruned: number
}

export interface ReconcilerDeps {
  ledger: Ledger
  facilitator: Facilitator
  network: NetworkConfig
  logger: Logger
  limiter?: SpendLimiter
  idempotency?: IdempotencyStore
  /** Optimistic mode: the exposure a payment holds is given back once it is collected. */
  exposure?: ExposureLimiter
  /**
   * Optimistic mode: settle `unpaid` payments again while their authorization is valid (the token's one-time nonce
   * makes a second transfer impossible, so re-sending cannot charge twice). Off: only the chain is read.
   */
  collectUnpaid?: boolean
  /**
   * When this process started (ms): `settling` rows untouched since before it belong to a request a crash ended, so the
   * first run after start-up resolves them at once.
   */
  startedAt?: number
  /** `settling` rows untouched this long are interrupted even in this process (default: 5 minutes). */
  staleSettlingMs?: number
  /**
   * `reserved`/`verified` rows untouched this long belong to a request that died (default: 2 × maxTimeoutSeconds of
   * the network's offers, see `abandonedAfterMs`); they are released and their spend given back.
   */
  abandonedAfterMs?: number
  /** `released` rows (never charged) are deleted once untouched this long (default: 7 days). */
  releasedRetentionMs?: number
  /** Pruning deletes this many rows per statement (default 500), at most `pruneMaxBatches` (default 20) per run. */
  pruneBatchSize?: number
  pruneMaxBatches?: number
  now?: () => number
}

/** How long a `released` row stays by default: long enough to look into a week of refusals. */
export const DEFAULT_RELEASED_RETENTION_MS = 7 * 24 * 3_600_000

/**
 * How long a reservation may sit unverified or unsettled before it counts as abandoned: past twice the payment window
 * no live request can still be verifying or running its handler (verification and handlers are bounded far below it).
 */
export function abandonedAfterMs(maxTimeoutSeconds: number): number {
  return 2 * maxTimeoutSeconds * 1000
}

/** Rebuilds the attempt a ledger row paid with, from the row and its stored payload (re-read as on the wire). */
export function attemptFromRow(row: Payment, network: NetworkConfig): PaymentAttempt {
  const stored = JSON.parse(row.payload) as StoredPayload
  const asset = [network.usdc, network.tmai].find((a) => a?.address.toLowerCase() === row.asset)
  if (!asset) throw new Error(`payment ${row.id}: asset ${row.asset} is not configured on ${network.id}`)
  const offer: PaymentAttempt['offer'] = {
    scheme: 'exact',
    network,
    asset,
    amountAtomic: BigInt(row.amount),
    usdPrice: row.usdPrice,
    usdMicros: usdMicros(row.usdValue),
    payTo: row.payTo as `0x${string}`,
    maxTimeoutSeconds: stored.wire.paymentRequirements.maxTimeoutSeconds,
  }
  // Rows written before transfer methods were recorded are EIP-3009 payments.
  const reader = payloadReaderFor(schemePayloads, stored.method === 'permit2' ? 'permit2' : 'eip3009')
  const payload = reader.parsePayload(stored.payload)
  if (!payload.ok) throw new Error(`payment ${row.id}: stored payload unreadable: ${payload.message}`)
  return {
    x402Version: reader.method === 'permit2' ? 2 : stored.x402Version,
    method: reader.method,
    payload: payload.value,
    payer: reader.authorization(payload.value).payer,
    wire: stored.wire,
    offer,
  } as PaymentAttempt
}

/**
 * Cleans up after requests that did not finish. Releases reservations abandoned before settlement (a crash, a
 * request that hung) with their spend holds; resolves `pending` payments (and `settling` ones a crash left behind)
 * from the chain: our receipt, the authorization state, and the Transfer logs — a settlement front-run by someone
 * else that still paid us counts as settled. Never broadcasts: a second transfer for the same payment is impossible
 * from here.
 */
export async function reconcileOnce(deps: ReconcilerDeps): Promise<ReconcileSummary> {
  const now = (deps.now ?? Date.now)()
  const summary: ReconcileSummary = {
    checked: 0,
    settled: 0,
    failed: 0,
    unresolved: 0,
    errors: 0,
    abandoned: 0,
    pruned: 0,
  }

  const abandoned = await deps.ledger.releaseAbandoned(now - (deps.abandonedAfterMs ?? abandonedAfterMs(120)))
  for (const row of abandoned) {
    summary.abandoned++
    await deps.limiter?.releaseHeldBy(row).catch((error: unknown) => {
      summary.errors++
      deps.logger.warn('reconcile: spend give-back failed', {
        paymentId: row.id,
        error: messageOf(error),
      })
    })
    deps.logger.warn('reconciled payment: abandoned reservation released', {
      paymentId: row.id,
      state: row.state,
    })
  }

  summary.pruned = await pruneReleased(deps, now).catch((error: unknown) => {
    summary.errors++
    deps.logger.warn('reconcile: pruning released payments failed', { error: (error as Error).message })
    return 0
  })

  const staleBefore = Math.max(deps.startedAt ?? 0, now - (deps.staleSettlingMs ?? 5 * 60_000))
  const rows = await deps.ledger.unresolved(staleBefore)
  summary.checked = rows.length
  for (const row of rows) {
    try {
      const attempt = attemptFromRow(row, deps.network)
      const optimistic = row.settleMode === 'optimistic'
      let outcome = await deps.facilitator.resolve(attempt, (row.txHash as Hash | null) ?? null)
      if (outcome.status === 'unresolved' && row.state === 'unpaid' && deps.collectUnpaid) {
        outcome = await collect(deps, row, attempt)
      }
      if (outcome.status === 'settled') {
        // A batch member keeps its call index; a transaction we did not send (a front-run) has none of ours.
        const txCallIndex = outcome.txHash === row.txHash ? row.txCallIndex : null
        if ((await deps.ledger.markSettled(row.id, outcome.txHash, { txCallIndex })) && optimistic) {
          await deps.exposure?.release(row.payer, usdMicros(row.usdValue))
        }
        summary.settled++
        deps.logger.info('reconciled payment: settled', { paymentId: row.id, tx: outcome.txHash })
      } else if (outcome.status === 'failed' && optimistic) {
        // Served but never paid: it stays owed (and its exposure counted); the payer is refused until collected.
        if (row.state !== 'unpaid') await deps.ledger.markUnpaid(row.id, { reason: outcome.reason })
        summary.failed++
        deps.logger.warn('reconciled payment: unpaid', { paymentId: row.id, reason: outcome.reason })
      } else if (outcome.status === 'failed') {
        if (await deps.ledger.markFailed(row.id, { reason: outcome.reason })) {
          // Never charged after all: its amount no longer counts against the payer's limits, its key is free.
          await deps.limiter?.releaseHeldBy(row)
          await deps.idempotency?.forgetPayment(row.id)
        }
        summary.failed++
        deps.logger.warn('reconciled payment: failed', { paymentId: row.id, reason: outcome.reason })
      } else {
        summary.unresolved++
      }
    } catch (error) {
      summary.errors++
      deps.logger.warn('reconcile error', { paymentId: row.id, error: messageOf(error) })
    }
  }
  return summary
}

/**
 * Deletes `released` rows past their retention, a batch per statement (short write locks, whatever the backlog), up
 * to a bound per run: a flood of refused junk is gone within a few runs, and never blocks a run for long.
 */
async function pruneReleased(deps: ReconcilerDeps, now: number): Promise<number> {
  const before = now - (deps.releasedRetentionMs ?? DEFAULT_RELEASED_RETENTION_MS)
  const batch = deps.pruneBatchSize ?? 500
  let pruned = 0
  for (let run = 0; run < (deps.pruneMaxBatches ?? 20); run++) {
    const deleted = await deps.ledger.pruneReleased(before, batch)
    pruned += deleted
    if (deleted < batch) break
  }
  if (pruned > 0) deps.logger.info('reconcile: released payments past retention pruned', { pruned })
  return pruned
}

/** Settles an unpaid optimistic payment again (its hash recorded before broadcast, as always). */
async function collect(
  deps: ReconcilerDeps,
  row: Payment,
  attempt: PaymentAttempt,
): Promise<{ status: 'settled'; txHash: Hash } | { status: 'unresolved' }> {
  const settled = await deps.facilitator.settle(attempt, {
    onTxHash: (hash, callIndex) => deps.ledger.recordTxHash(row.id, hash, callIndex),
  })
  if (settled.status === 'settled') return { status: 'settled', txHash: settled.txHash }
  deps.logger.info('reconcile: unpaid payment not collected yet', {
    paymentId: row.id,
    status: settled.status,
    reason: settled.status === 'failed' ? settled.reason : settled.message,
  })
  return { status: 'unresolved' }
}

/**
 * Runs `jobs` (the reconciler, deferred ledger writes) now and every `intervalMs`, never two runs at once; returns a
 * stop function.
 */
export function startReconciler(
  deps: ReconcilerDeps & { metrics?: Pick<PaymentMetrics, 'recordReconcileRun' | 'recordReconcileError'> },
  intervalMs: number,
  also: (() => Promise<void>)[] = [],
): () => void {
  let running = false
  const tick = async () => {
    if (running) return
    running = true
    try {
      for (const job of also) await job().catch(() => {})
      await reconcileOnce(deps).then(
        (summary) => deps.metrics?.recordReconcileRun(summary),
        (error: unknown) => {
          deps.metrics?.recordReconcileError()
          deps.logger.warn('reconcile run failed', { error: messageOf(error) })
        },
      )
    } finally {
      running = false
    }
  }
  void tick()
  const timer = setInterval(() => void tick(), intervalMs)
  timer.unref?.()
  return () => clearInterval(timer)
}
