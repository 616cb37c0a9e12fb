import { isAddress } from 'viem'
import { z } from 'zod'
import type { PagePosition } from '../db/queries/admin'
import { PAYMENT_STATES } from '../db/schema'
import { base64ToUtf8, utf8ToBase64 } from '../lib/base64'
import { ApiError } from '../lib/errors'
import { usdMicros } from '../lib/money'

/** The one 400 path of the admin API: the first zod issue names the parameter. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const parameter =
    issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? 'body') : issue?.path.join('.') || 'body'
  const message =
    issue?.code === 'unrecognized_keys' ? 'unknown parameter' : (issue?.message ?? 'invalid value')
  throw new ApiError('invalidParameter', `${parameter}: ${message}`, { parameter })
}

/** A lower-cased EVM address. */
export const Address = z
  .string()
  .trim()
  .refine((v) => isAddress(v), 'not an EVM address')
  .transform((v) => v.toLowerCase())

const DATE = /^\d{4}-\d{2}-\d{2}$/
/** `Date.parse` rolls 2026-02-30 over to March 2nd; a date must name a day that exists. */
function isCalendarDate(v: string): boolean {
  const [year, month, day] = v.slice(0, 10).split('-').map(Number) as [number, number, number]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}
/**
 * A point in time as unix ms: `YYYY-MM-DD` (UTC), an ISO 8601 time, or unix milliseconds. An upper bound given as a
 * date means the end of that day, so `from=2026-03-01&to=2026-03-31` covers all of March.
 */
function timeBound(end: boolean) {
  return z
    .string()
    .trim()
    .transform((v, ctx) => {
      let ms = Number.NaN
      if (/^\d{1,15}$/.test(v)) ms = Number(v)
      else if (DATE.test(v)) ms = Date.parse(`${v}T00:00:00Z`) + (end ? 86_400_000 : 0)
      else if (/^\d{4}-\d{2}-\d{2}T/.test(v)) ms = Date.parse(v)
      if (Number.isFinite(ms) && (/^\d{1,15}$/.test(v) || isCalendarDate(v))) return ms
      ctx.addIssue({
        code: 'custom',
        message: Number.isFinite(ms)
          ? `no such date: ${v.slice(0, 10)}`
          : 'a date (YYYY-MM-DD), an ISO 8601 time or unix milliseconds',
      })
      return z.NEVER
    })
}

const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback)

const CursorPayload = z.tuple([z.number().int().nonnegative(), z.string().min(1).max(100)])

/** Opaque to clients: base64url JSON (unpadded) of the last row's (created_at, id). */
export function encodeCursor(position: PagePosition): string {
  return utf8ToBase64(JSON.stringify([position.createdAt, position.id]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

const Cursor = z
  .string()
  .max(200)
  .transform((v, ctx): PagePosition => {
    try {
      const [createdAt, id] = CursorPayload.parse(JSON.parse(base64ToUtf8(v)))
      return { createdAt, id }
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a cursor returned by this API' })
      return z.NEVER
    }
  })

const range = {
  from: timeBound(false).optional(),
  to: timeBound(true).optional(),
}
const rangeInOrder = (q: { from?: number; to?: number }) =>
  q.from === undefined || q.to === undefined || q.from < q.to

export const PaymentsQuery = z
  .strictObject({
    payer: Address.optional(),
    route: z.string().trim().min(1).max(200).optional(),
    /** A token address or symbol. */
    asset: z.string().trim().min(1).max(64).optional(),
    state: z.enum(PAYMENT_STATES).optional(),
    ...range,
    limit: Limit(200, 50),
    cursor: Cursor.optional(),
  })
  .refine(rangeInOrder, { path: ['to'], message: 'must be after from' })
export type PaymentsQuery = z.infer<typeof PaymentsQuery>

export const REVENUE_GROUPS = ['endpoint', 'token', 'day'] as const
export type RevenueGroup = (typeof REVENUE_GROUPS)[number]

export const RevenueQuery = z
  .strictObject({ ...range, groupBy: z.enum(REVENUE_GROUPS).default('endpoint') })
  .refine(rangeInOrder, { path: ['to'], message: 'must be after from' })

export const SettlementsQuery = z.strictObject({
  state: z.enum(['pending', 'failed']).optional(),
  limit: Limit(200, 100),
  cursor: Cursor.optional(),
})

export const AuditQuery = z.strictObject({ limit: Limit(200, 50) })

export const PayerParam = z.object({ payer: Address })

/** A ledger row's id (a UUID). */
export const PaymentIdParam = z.object({ id: z.uuid({ error: 'a payment id (a UUID)' }) })

/** Micro-dollars from a USD decimal string; JSON numbers are refused (no floats for money). */
const UsdCap = z
  .string({ error: 'a USD amount as a decimal string, like "0.50"' })
  .trim()
  .regex(/^\d{1,9}(\.\d{1,6})?$/, 'a USD amount like "0.50" (at most 9 digits before the point and 6 after)')
  .transform((v) => usdMicros(v))

export const SpendOverrideBody = z
  .strictObject({
    maxUsdPerCall: UsdCap.nullish(),
    maxUsdPerHour: UsdCap.nullish(),
    maxUsdPerDay: UsdCap.nullish(),
    note: z.string().trim().max(500).nullish(),
  })
  .refine((b) => b.maxUsdPerCall != null || b.maxUsdPerHour != null || b.maxUsdPerDay != null, {
    message: 'set at least one of maxUsdPerCall, maxUsdPerHour, maxUsdPerDay (DELETE removes an override)',
  })
