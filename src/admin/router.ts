import { Hono, type MiddlewareHandler } from 'hono'
import type { Db } from '../db/client'
import {
  deleteSpendOverride,
  insertAdminAudit,
  listAdminAudit,
  listSettledPaymentsPage,
  type PagePosition,
  putSpendOverride,
  type SpendOverride,
  searchPayments,
} from '../db/queries/admin'
import { getOverride } from '../db/queries/spend'
import type { AdminScope } from '../db/schema/admin'
import { ApiError } from '../lib/errors'
import type { Logger } from '../lib/logger'
import { formatUsdMicros } from '../lib/money'
import { RateLimiter, type RateLimitPort } from '../lib/rate-limit'
import type { WriteOffResult } from '../payments/write-off'
import { type AdminEnv, adminAuth, type ClientAddress, requireScope } from './auth'
import { registerOpsAdminRoutes } from './ops-routes'
import {
  AuditQuery,
  encodeCursor,
  PayerParam,
  PaymentIdParam,
  PaymentsQuery,
  parseInput,
  RevenueQuery,
  SettlementsQuery,
  SpendOverrideBody,
} from './params'
import { AdminRefusals } from './refusals'
import { RevenueAggregator } from './revenue'

export interface AdminRouterDeps {
  db: Db
  logger: Logger
  /** ADMIN_KEY_PEPPER, read by the caller; must match the one the keys were created with. */
  pepper?: string
  /** Unix ms. */
  now?: () => number
  rateLimit?: { perKeyPerMinute: number; perIpPerMinute: number }
  /**
   * Who is asking (per-address limit, audit trail). Runtime specific, so the entry builds it (see
   * http/client-address.ts); without it every request counts as one "unknown" client.
   */
  clientAddress?: ClientAddress
  /** READY_MAX_DATA_AGE_HOURS in seconds (0: no limit): /admin/market-data flags staler intervals. */
  maxDataAgeSeconds?: number
  /** Where the rate-limit buckets live (default: this process's memory); Workers share them across isolates. */
  createRateLimiter?: (scope: 'ip' | 'key', perMinute: number) => RateLimitPort
  /** Writes off an `unpaid` optimistic payment (payments/write-off.ts); without it the route answers 404. */
  writeOff?: (id: string) => Promise<WriteOffResult>
}

/** Requests per key, and failed attempts per client address (a valid key is never refused for its address). */
export const DEFAULT_ADMIN_RATE_LIMIT = { perKeyPerMinute: 120, perIpPerMinute: 120 }
const unknownClient: ClientAddress = () => 'unknown'
/** Revenue reads the ledger in pages this size, so memory stays flat however long the range. */
const REVENUE_PAGE = 500

const usd = (micros: number | null) => (micros === null ? null : formatUsdMicros(BigInt(micros)))
/** Micro-dollar columns are 64-bit integers: the db edge is the one place a cap becomes a number. */
const toColumn = (micros: bigint | null | undefined) =>
  micros === null || micros === undefined ? null : Number(micros)
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())

function describeOverride(row: SpendOverride) {
  return {
    payer: row.payer,
    maxUsdPerCall: usd(row.maxUsdMicrosPerCall),
    maxUsdPerHour: usd(row.maxUsdMicrosPerHour),
    maxUsdPerDay: usd(row.maxUsdMicrosPerDay),
    note: row.note,
    updatedAt: new Date(row.updatedAt).toISOString(),
  }
}

/** The operator API, mounted at `/admin`. Every route needs an admin key; writes need a `write` key. */
export function createAdminRouter(deps: AdminRouterDeps): Hono<AdminEnv> {
  const { db, logger } = deps
  const now = deps.now ?? Date.now
  const limits = deps.rateLimit ?? DEFAULT_ADMIN_RATE_LIMIT
  const rateLimiter = deps.createRateLimiter ?? ((_scope, perMinute) => new RateLimiter(perMinute, now))
  const router = new Hono<AdminEnv>()

  router.use(
    adminAuth({
      db,
      logger,
      pepper: deps.pepper,
      now,
      perIp: rateLimiter('ip', limits.perIpPerMinute),
      perKey: rateLimiter('key', limits.perKeyPerMinute),
      clientAddress: deps.clientAddress ?? unknownClient,
      refusals: new AdminRefusals({ db, logger }),
    }),
  )

  router.get('/payments', async (c) => {
    const q = parseInput(PaymentsQuery, c.req.query())
    const isAssetAddress = q.asset !== undefined && /^0x[0-9a-fA-F]{40}$/.test(q.asset)
    const page = await searchPayments(db, {
      payer: q.payer,
      route: q.route,
      asset: isAssetAddress ? q.asset?.toLowerCase() : undefined,
      assetSymbol: isAssetAddress ? undefined : q.asset,
      states: q.state ? [q.state] : undefined,
      from: q.from,
      to: q.to,
      limit: q.limit,
      after: q.cursor,
    })
    return c.json(ledgerPage(page))
  })

  router.post('/payments/:id/write-off', requireScope('write'), async (c) => {
    const { id } = parseInput(PaymentIdParam, c.req.param())
    const result = deps.writeOff ? await deps.writeOff(id) : ({ ok: false, reason: 'not_found' } as const)
    if (!result.ok && result.reason === 'not_found') throw new ApiError('notFound', 'no payment with this id')
    if (!result.ok && result.reason === 'still_collectable') {
      const until = new Date(result.collectableUntil * 1000).toISOString()
      throw new ApiError(
        'paymentStillCollectable',
        `its authorization can still be settled until ${until}; write it off after that`,
        {
          collectableUntil: until,
          retryAfterSeconds: Math.max(1, result.collectableUntil - Math.floor(now() / 1000)),
        },
      )
    }
    if (!result.ok) {
      throw new ApiError(
        'paymentNotUnpaid',
        `only an unpaid payment can be written off; this one is ${result.state}`,
        { state: result.state },
      )
    }
    const { payment } = result
    const data = {
      id: payment.id,
      payer: payment.payer,
      route: payment.route,
      usdValue: payment.usdValue,
      state: payment.state,
      failureReason: payment.failureReason,
    }
    await insertAdminAudit(db, {
      at: now(),
      keyId: c.var.adminKey.id,
      action: 'payment.write_off',
      detail: data,
      ip: c.var.clientIp,
    })
    logger.warn('unpaid payment written off', { kid: c.var.adminKey.id, paymentId: id, payer: payment.payer })
    return c.json({
      success: true,
      message:
        'written off: the payer is no longer refused for it, and its exposure and spend were given back',
      data,
    })
  })

  router.get('/revenue', async (c) => {
    const q = parseInput(RevenueQuery, c.req.query())
    const revenue = new RevenueAggregator(q.groupBy)
    let after: PagePosition | undefined
    for (;;) {
      const page = await listSettledPaymentsPage(db, { from: q.from, to: q.to, after, limit: REVENUE_PAGE })
      for (const row of page) revenue.add(row)
      const last = page.at(-1)
      if (page.length < REVENUE_PAGE || !last) break
      after = { createdAt: last.createdAt, id: last.id }
    }
    return c.json({
      success: true,
      message: 'settled payments only; token amounts in atomic units, USD as exact decimal strings',
      data: { from: iso(q.from), to: iso(q.to), groupBy: q.groupBy, ...revenue.result() },
    })
  })

  router.get('/settlements', async (c) => {
    const q = parseInput(SettlementsQuery, c.req.query())
    const page = await searchPayments(db, {
      states: q.state ? [q.state] : ['pending', 'failed'],
      limit: q.limit,
      after: q.cursor,
    })
    return c.json(ledgerPage(page))
  })

  router.get('/spend-limits/:payer', async (c) => {
    const { payer } = parseInput(PayerParam, c.req.param())
    const row = await getOverride(db, payer)
    if (!row) throw new ApiError('notFound', 'no spend override for this payer; the operator defaults apply')
    return c.json({ success: true, message: 'ok', data: describeOverride(row) })
  })

  router.put('/spend-limits/:payer', requireScope('write'), async (c) => {
    const { payer } = parseInput(PayerParam, c.req.param())
    const body = parseInput(SpendOverrideBody, await c.req.json().catch(() => undefined))
    const stored = await putSpendOverride(db, {
      payer,
      maxUsdMicrosPerCall: toColumn(body.maxUsdPerCall),
      maxUsdMicrosPerHour: toColumn(body.maxUsdPerHour),
      maxUsdMicrosPerDay: toColumn(body.maxUsdPerDay),
      note: body.note || null,
      updatedAt: now(),
    })
    const data = describeOverride(stored)
    await insertAdminAudit(db, {
      at: stored.updatedAt,
      keyId: c.var.adminKey.id,
      action: 'spend_override.set',
      detail: data,
      ip: c.var.clientIp,
    })
    logger.info('spend override set', { kid: c.var.adminKey.id, payer })
    return c.json({ success: true, message: 'override stored', data })
  })

  router.delete('/spend-limits/:payer', requireScope('write'), async (c) => {
    const { payer } = parseInput(PayerParam, c.req.param())
    const removed = await deleteSpendOverride(db, payer)
    if (!removed) throw new ApiError('notFound', 'no spend override for this payer')
    await insertAdminAudit(db, {
      at: now(),
      keyId: c.var.adminKey.id,
      action: 'spend_override.delete',
      detail: describeOverride(removed),
      ip: c.var.clientIp,
    })
    logger.info('spend override removed', { kid: c.var.adminKey.id, payer })
    return c.json({
      success: true,
      message: 'override removed; the operator defaults apply',
      data: { payer },
    })
  })

  router.get('/audit', async (c) => {
    const q = parseInput(AuditQuery, c.req.query())
    const rows = await listAdminAudit(db, q.limit)
    return c.json({
      success: true,
      message: 'newest first',
      length: rows.length,
      data: rows.map((row) => ({
        ...row,
        at: new Date(row.at).toISOString(),
        detail: JSON.parse(row.detail) as unknown,
      })),
    })
  })

  registerOpsAdminRoutes(router, { db, now, maxDataAgeSeconds: deps.maxDataAgeSeconds ?? 0 })

  return router
}

/**
 * The admin key check for a route mounted outside `/admin` (`/metrics`): the same keys, audit and refusal summaries,
 * with rate limits of its own in this process, then `scope`.
 */
export function createAdminKeyGuard(
  deps: Pick<AdminRouterDeps, 'db' | 'logger' | 'pepper' | 'now' | 'clientAddress'>,
  scope: AdminScope,
): MiddlewareHandler {
  const { db, logger } = deps
  const now = deps.now ?? Date.now
  const authenticate = adminAuth({
    db,
    logger,
    pepper: deps.pepper,
    now,
    perIp: new RateLimiter(DEFAULT_ADMIN_RATE_LIMIT.perIpPerMinute, now),
    perKey: new RateLimiter(DEFAULT_ADMIN_RATE_LIMIT.perKeyPerMinute, now),
    clientAddress: deps.clientAddress ?? unknownClient,
    refusals: new AdminRefusals({ db, logger }),
  })
  const scoped = requireScope(scope)
  return function adminKeyGuard(c, next) {
    return authenticate(c, async () => {
      await scoped(c, next)
    })
  }
}

/** One page of ledger rows in the API's envelope, with the opaque cursor of the next page. */
function ledgerPage({ rows, next }: Awaited<ReturnType<typeof searchPayments>>) {
  return {
    success: true,
    message: 'ok',
    length: rows.length,
    data: rows,
    nextCursor: next ? encodeCursor(next) : null,
  }
}
