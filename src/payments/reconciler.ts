import { getAddress, type Hash } from 'viem'
import type { NetworkConfig } from '../config/networks'
import type { Payment } from '../db/schema'
import type { Logger } from '../lib/logger'
import { toAtomic } from '../lib/money'
import type { Facilitator } from '../x402/facilitator'
import type { Eip3009PaymentAttempt, PaymentAttempt, Permit2PaymentAttempt } from '../x402/match'
import type { Ledger, StoredPayload } from './ledger'
import type { SpendLimiter } from './spend-limits'

export interface ReconcileSummary {
  checked: number
  settled: number
  failed: number
  unresolved: number
  errors: number
}

export interface ReconcilerDeps {
  ledger: Ledger
  facilitator: Facilitator
  network: NetworkConfig
  logger: Logger
  limiter?: SpendLimiter
  /** `settling` rows untouched this long are treated as interrupted (a crash mid-settlement). */
  staleSettlingMs?: number
  now?: () => number
}

/** Rebuilds the attempt a ledger row paid with, from the row and its stored payload. */
export function attemptFromRow(row: Payment, network: NetworkConfig): PaymentAttempt {
  const stored = JSON.parse(row.payload) as StoredPayload
  const asset = [network.usdc, network.tmai].find((a) => a?.address.toLowerCase() === row.asset)
  if (!asset) throw new Error(`payment ${row.id}: asset ${row.asset} is not configured on ${network.id}`)
  const requirements = stored.wire.paymentRequirements
  const offer: PaymentAttempt['offer'] = {
    scheme: 'exact',
    network,
    asset,
    amountAtomic: BigInt(row.amount),
    usdPrice: row.usdPrice,
    usdMicros: Number(toAtomic(row.usdValue, 6)),
    payTo: row.payTo as `0x${string}`,
    maxTimeoutSeconds: requirements.maxTimeoutSeconds,
  }
  // Rows written before transfer methods were recorded are EIP-3009 payments.
  if (stored.method === 'permit2') {
    const payload = stored.payload as Permit2PaymentAttempt['payload']
    return {
      x402Version: 2,
      method: 'permit2',
      payload,
      payer: getAddress(payload.permit2Authorization.from.toLowerCase()),
      wire: stored.wire,
      offer,
    }
  }
  const payload = stored.payload as Eip3009PaymentAttempt['payload']
  return {
    x402Version: stored.x402Version,
    method: 'eip3009',
    payload,
    payer: getAddress(payload.authorization.from.toLowerCase()),
    wire: stored.wire,
    offer,
  }
}

/**
 * Resolves `pending` payments (and `settling` ones a crash left behind) from the chain: our receipt, the
 * authorization state, and the Transfer logs — a settlement front-run by someone else that still paid us counts as
 * settled. Never broadcasts: a second transfer for the same payment is impossible from here.
 */
export async function reconcileOnce(deps: ReconcilerDeps): Promise<ReconcileSummary> {
  const now = deps.now ?? Date.now
  const rows = await deps.ledger.unresolved(now() - (deps.staleSettlingMs ?? 5 * 60_000))
  const summary: ReconcileSummary = { checked: rows.length, settled: 0, failed: 0, unresolved: 0, errors: 0 }
  for (const row of rows) {
    try {
      const attempt = attemptFromRow(row, deps.network)
      const outcome = await deps.facilitator.resolve(attempt, (row.txHash as Hash | null) ?? null)
      if (outcome.status === 'settled') {
        await deps.ledger.markSettled(row.id, outcome.txHash)
        summary.settled++
        deps.logger.info('reconciled payment: settled', { paymentId: row.id, tx: outcome.txHash })
      } else if (outcome.status === 'failed') {
        if (await deps.ledger.markFailed(row.id, outcome.reason)) {
          // Never charged after all: its amount no longer counts against the payer's limits.
          await deps.limiter?.releasePayment({
            payer: row.payer,
            route: row.route,
            usdMicros: Number(toAtomic(row.usdValue, 6)),
            atSeconds: Math.floor(row.createdAt / 1000),
          })
        }
        summary.failed++
        deps.logger.warn('reconciled payment: failed', { paymentId: row.id, reason: outcome.reason })
      } else {
        summary.unresolved++
      }
    } catch (error) {
      summary.errors++
      deps.logger.warn('reconcile error', { paymentId: row.id, error: (error as Error).message })
    }
  }
  return summary
}

/** Runs the reconciler now and every `intervalMs`; returns a stop function. */
export function startReconciler(deps: ReconcilerDeps, intervalMs: number): () => void {
  let running = false
  const tick = async () => {
    if (running) return
    running = true
    try {
      await reconcileOnce(deps)
    } finally {
      running = false
    }
  }
  void tick()
  const timer = setInterval(() => void tick(), intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
