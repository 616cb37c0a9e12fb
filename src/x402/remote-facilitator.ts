import { z } from 'zod'
import { messageOf } from '../lib/errors'
import type { PaymentAttempt } from './attempt'
import { type Facilitator, FacilitatorUnavailableError, type ResolveOutcome } from './facilitator'
import { Reason } from './reasons'

const VerifyResponse = z.object({
  isValid: z.boolean(),
  invalidReason: z.string().optional(),
  invalidMessage: z.string().optional(),
  payer: z.string().optional(),
})
const SettleResponse = z.object({
  success: z.boolean(),
  errorReason: z.string().optional(),
  errorMessage: z.string().optional(),
  transaction: z.string().optional().default(''),
  network: z.string().optional(),
})

export interface RemoteFacilitatorOptions {
  url: string
  timeoutMs?: number
  fetch?: typeof fetch
  /** Chain-side resolution of pending payments (the remote facilitator gives us no way to ask). */
  resolve(attempt: PaymentAttempt, txHash: `0x${string}` | null): Promise<ResolveOutcome>
}

/**
 * An x402 facilitator over HTTP (`POST /verify`, `POST /settle`, body `{x402Version, paymentPayload,
 * paymentRequirements}`). Our own matching, reservation and ledger still run in front of it.
 */
export function createRemoteFacilitator(options: RemoteFacilitatorOptions): Facilitator {
  const base = options.url.replace(/\/$/, '')
  const doFetch = options.fetch ?? fetch
  /** POSTs the payment to `path` and reads the answer with `schema`; anything else is "could not ask". */
  async function post<T extends z.ZodType>(
    path: string,
    attempt: PaymentAttempt,
    { schema, timeoutMs }: { schema: T; timeoutMs: number },
  ) {
    let res: Response
    try {
      res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          x402Version: attempt.x402Version,
          paymentPayload: attempt.wire.paymentPayload,
          paymentRequirements: attempt.wire.paymentRequirements,
        }),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      throw new FacilitatorUnavailableError(`facilitator ${path} unreachable: ${messageOf(error)}`, {
        cause: error,
      })
    }
    const json = await res.json().catch(() => undefined)
    const parsed = schema.safeParse(json)
    if (!parsed.success || res.status >= 500) {
      throw new FacilitatorUnavailableError(
        `facilitator ${path} answered ${res.status} with an unexpected body`,
      )
    }
    return parsed.data as z.infer<T>
  }
  return {
    kind: 'remote',
    async verify(attempt) {
      const result = await post('/verify', attempt, {
        schema: VerifyResponse,
        timeoutMs: options.timeoutMs ?? 15_000,
      })
      if (result.isValid) return { ok: true }
      return {
        ok: false,
        reason: result.invalidReason ?? Reason.unexpectedVerifyError,
        message:
          result.invalidMessage ??
          `facilitator rejected the payment (${result.invalidReason ?? 'no reason'})`,
      }
    },
    async settle(attempt) {
      let result: z.infer<typeof SettleResponse>
      try {
        result = await post('/settle', attempt, {
          schema: SettleResponse,
          timeoutMs: options.timeoutMs ?? 90_000,
        })
      } catch (error) {
        // A settle that timed out is indeterminate: pending, for the reconciler.
        return { status: 'pending', message: messageOf(error) }
      }
      const tx = /^0x[0-9a-fA-F]{64}$/.test(result.transaction)
        ? (result.transaction as `0x${string}`)
        : undefined
      if (result.success && tx) return { status: 'settled', txHash: tx }
      if (result.errorReason === Reason.settlementPending)
        return { status: 'pending', txHash: tx, message: 'facilitator: pending' }
      return {
        status: 'failed',
        reason: result.errorReason ?? Reason.unexpectedSettleError,
        message: result.errorMessage ?? 'facilitator could not settle',
        txHash: tx,
      }
    },
    resolve: options.resolve,
  }
}
