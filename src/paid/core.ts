import { begin } from './begin'
import { createChallengeCache } from './challenges'
import { complete } from './complete'
import type { CoreContext, PaidCoreDeps } from './context'
import { LedgerOutbox } from './ledger-outbox'
import { createRouteOffers } from './route-offers'
import type { BeginOutcome, CompleteOutcome, HandlerResult, PaidRequestInput, ServeHandle } from './types'

/**
 * The paid-request flow, the same for every door (HTTP, MCP): 402 → decode → match our own terms → idempotency →
 * reserve (atomic, before verification) → spend limits → verify (bounded in time) → handler → release on failure,
 * else settle → ledger → settlement. A paid body is never delivered unless the Transfer to payTo is on chain (or,
 * on an optimistic route, verified within the exposure caps), and a payer whose transfer happened is never told that
 * nothing was charged.
 */
export interface PaidRequestCore {
  /** What a request gets: a challenge, a refusal, a replay, "still settling", or permission to serve. */
  begin(input: PaidRequestInput): Promise<BeginOutcome>
  /** Settles (or releases) what `begin` admitted, given the handler's buffered answer; never throws once paid. */
  complete(handle: ServeHandle, result: HandlerResult): Promise<CompleteOutcome>
  /** Ledger writes that failed and wait to be retried (the reconciler's loop flushes them). */
  readonly outbox: LedgerOutbox
  /** Resolves once every optimistic settlement running in the background has finished its bookkeeping. */
  idle(): Promise<void>
}

/**
 * Wires the stages (begin.ts → admit.ts, complete.ts → optimistic.ts, with bookkeeping.ts) around the state they
 * share, which each stage is handed rather than capturing it.
 */
export function createPaidRequestCore(deps: PaidCoreDeps): PaidRequestCore {
  const ctx: CoreContext = {
    deps,
    observe: deps.observe ?? (() => {}),
    outbox: new LedgerOutbox(deps.logger),
    background: new Set(),
    offers: createRouteOffers(deps),
    challenges: createChallengeCache(),
  }
  return {
    begin: (input) => begin(ctx, input),
    complete: (handle, result) => complete(ctx, handle, result),
    outbox: ctx.outbox,
    async idle() {
      while (ctx.background.size > 0) await Promise.allSettled([...ctx.background])
    },
  }
}
