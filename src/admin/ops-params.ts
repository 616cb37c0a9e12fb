import { z } from 'zod'
import { PaymentsQuery, RevenueQuery } from './params'

/**
 * Query schemas of the dashboard's read endpoints. Time bounds, limits and cursors are the ones /admin/payments and
 * /admin/revenue use (taken from their schemas), so every admin route reads dates the same way.
 */
const { from, to } = RevenueQuery.shape
const { limit, cursor } = PaymentsQuery.shape

const HOUR = 3_600_000
const DAY = 86_400_000
/** Buckets per series at most, so a chart request stays small. */
export const MAX_BUCKETS = 24 * 62

const inOrder = (q: { from?: number; to?: number }) =>
  q.from === undefined || q.to === undefined || q.from < q.to

export const StatsRevenueQuery = z
  .strictObject({ from, to })
  .refine(inOrder, { path: ['to'], message: 'must be after from' })

export const StatsPaymentsQuery = z
  .strictObject({ from, to, bucket: z.enum(['hour', 'day']).default('hour') })
  .refine(inOrder, { path: ['to'], message: 'must be after from' })
  .transform((q, ctx) => {
    const size = q.bucket === 'hour' ? HOUR : DAY
    const end = q.to ?? Math.ceil(Date.now() / size) * size
    const start = q.from ?? end - (q.bucket === 'hour' ? 48 * HOUR : 30 * DAY)
    if ((end - start) / size > MAX_BUCKETS) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `at most ${MAX_BUCKETS} ${q.bucket} buckets per request; narrow the range or use a larger bucket`,
      })
      return z.NEVER
    }
    return { bucket: q.bucket, size, from: Math.floor(start / size) * size, to: end }
  })

export const StatsRefusalsQuery = z
  .strictObject({ from, to })
  .refine(inOrder, { path: ['to'], message: 'must be after from' })

export const RefusalsQuery = z
  .strictObject({
    /** A recorded reason code, e.g. spend_limit_exceeded. */
    reason: z
      .string()
      .trim()
      .regex(/^[a-z0-9_]{1,64}$/, 'a reason code like spend_limit_exceeded')
      .optional(),
    from,
    to,
    limit,
    cursor,
  })
  .refine(inOrder, { path: ['to'], message: 'must be after from' })
