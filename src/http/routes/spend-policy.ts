import type { Hono } from 'hono'
import { isAddress, type PublicClient } from 'viem'
import type { Db } from '../../db/client'
import { upsertPolicyIfNewer } from '../../db/queries/spend'
import { ApiError } from '../../lib/errors'
import { formatUsdMicros } from '../../lib/money'
import type { SpendLimiter } from '../../payments/spend-limits'
import {
  padNonce,
  SignedSpendPolicy,
  spendPolicyDomain,
  spendPolicyMessage,
  spendPolicyTypes,
} from '../../payments/spend-policy'
import type { AppEnv } from '../app-env'

export interface SpendPolicyDeps {
  db: Db
  limiter: SpendLimiter
  chainId: number
  client: Pick<PublicClient, 'verifyTypedData'>
  nowSeconds?: () => number
}

/** Caps and usage as USD strings; stored policy columns are numbers (the db edge), the limiter's values bigints. */
const usd = (micros: bigint | number | null | undefined) =>
  micros === null || micros === undefined ? null : formatUsdMicros(BigInt(micros))
/** Micro-dollar caps beyond this are treated as "no cap" (SQLite integers are 64-bit). */
const MAX_MICROS = BigInt(Number.MAX_SAFE_INTEGER)

/** Free routes where payers set and read their own spend policy. */
export function registerSpendPolicyRoutes(app: Hono<AppEnv>, deps: SpendPolicyDeps): void {
  const now = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000))

  app.post('/v1/spend-policy', async (c) => {
    const raw = await c.req.json().catch(() => undefined)
    const parsed = SignedSpendPolicy.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const parameter = issue?.path.join('.') || 'body'
      throw new ApiError('invalidParameter', `${parameter}: ${issue?.message ?? 'invalid'}`, { parameter })
    }
    const { policy, signature } = parsed.data
    const message = spendPolicyMessage(policy)
    if (message.validUntil <= BigInt(now())) {
      throw new ApiError('invalidParameter', 'policy.validUntil is in the past', {
        parameter: 'policy.validUntil',
      })
    }
    const valid = await deps.client
      .verifyTypedData({
        address: message.payer,
        domain: spendPolicyDomain(deps.chainId),
        types: spendPolicyTypes,
        primaryType: 'SpendPolicy',
        message,
        signature: signature as `0x${string}`,
      })
      .catch(() => false)
    if (!valid)
      throw new ApiError(
        'invalidSignature',
        'the signature is not the payer’s signature over this SpendPolicy',
      )
    const cap = (v: bigint) => Number(v > MAX_MICROS ? MAX_MICROS : v)
    const stored = await upsertPolicyIfNewer(deps.db, {
      payer: message.payer.toLowerCase(),
      maxUsdMicrosPerCall: cap(message.maxUsdPerCall),
      maxUsdMicrosPerDay: cap(message.maxUsdPerDay),
      validUntil: Number(message.validUntil),
      nonce: padNonce(policy.nonce),
      signature,
      updatedAt: Date.now(),
    })
    if (!stored) {
      throw new ApiError(
        'policyNonceUsed',
        'a policy with this or a higher nonce is already stored; sign with a higher nonce',
      )
    }
    return c.json(
      { success: true, message: 'policy stored', data: await describe(message.payer.toLowerCase()) },
      201,
    )
  })

  app.get('/v1/spend-policy/:address', async (c) => {
    const address = c.req.param('address')
    if (!isAddress(address))
      throw new ApiError('invalidParameter', 'address: not an EVM address', { parameter: 'address' })
    return c.json({ success: true, message: 'ok', data: await describe(address.toLowerCase()) })
  })

  async function describe(payer: string) {
    const caps = await deps.limiter.capsFor(payer)
    const usage = await deps.limiter.usage(payer)
    return {
      payer,
      /** What applies now: the tightest of operator (or its per-payer override) and the payer's own policy. */
      effective: {
        maxUsdPerCall: usd(caps.perCall.cap),
        maxUsdPerHour: usd(caps.perPayerHour.cap),
        maxUsdPerDay: usd(caps.perPayerDay.cap),
      },
      policy: caps.policy
        ? {
            maxUsdPerCall: usd(caps.policy.maxUsdMicrosPerCall),
            maxUsdPerDay: usd(caps.policy.maxUsdMicrosPerDay),
            validUntil: new Date(caps.policy.validUntil * 1000).toISOString(),
            nonce: caps.policy.nonce.replace(/^0+(?=\d)/, ''),
          }
        : null,
      usage: {
        thisHourUsd: usd(usage.hourMicros),
        todayUsd: usd(usage.dayMicros),
        hourResetsAt: new Date(usage.hourResetsAt * 1000).toISOString(),
        dayResetsAt: new Date(usage.dayResetsAt * 1000).toISOString(),
      },
    }
  }
}
