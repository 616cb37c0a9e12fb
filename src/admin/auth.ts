import type { Context, MiddlewareHandler } from 'hono'
import type { Db } from '../db/client'
import { insertAdminAudit } from '../db/queries/admin'
import type { AdminScope } from '../db/schema/admin'
import { ApiError } from '../lib/errors'
import type { Logger } from '../lib/logger'
import type { RateLimitPort } from '../lib/rate-limit'
import { type AdminAuthResult, authenticateAdminKey } from './key-store'
import { scopeAllows } from './keys'
import type { AdminRefusals } from './refusals'

export type AdminKeyContext = Extract<AdminAuthResult, { ok: true }>['key']
export type AdminVariables = { adminKey: AdminKeyContext; clientIp: string }
export type AdminEnv = { Variables: AdminVariables }
/** The address a request is attributed to (the entry builds it; see http/client-address.ts). */
export type ClientAddress = (c: Context) => string

export interface AdminAuthOptions {
  db: Db
  logger: Logger
  pepper?: string
  now: () => number
  perIp: RateLimitPort
  perKey: RateLimitPort
  /** Who is asking: the key of the per-address limit and the audit trail's `ip`. */
  clientAddress: ClientAddress
  /** Where unauthenticated refusals are counted (summarised per address and minute). */
  refusals: AdminRefusals
}

function rateLimited(c: Context, retryAfterSeconds: number): ApiError {
  c.header('Retry-After', String(retryAfterSeconds))
  return new ApiError('rateLimited', 'too many admin requests; retry later', { retryAfterSeconds })
}

/**
 * Bearer-key authentication for every admin route: key check, then the per-key rate limit and the handler; each use
 * is audited with its outcome, refusals in per-minute summaries. The per-address limit counts failed attempts only:
 * a burst of bad keys from an address gets 429s, but never locks out a valid key sent from there (the secret is 256
 * random bits, so the limit bounds the noise, not a guess). Every refusal gets the same 401 body, whatever the reason.
 */
export function adminAuth(options: AdminAuthOptions): MiddlewareHandler<AdminEnv> {
  const { db, logger, now } = options
  return async function adminAuth(c, next) {
    const ip = options.clientAddress(c)
    const request = { method: c.req.method, path: c.req.path }
    const at = now()
    const auth = await authenticateAdminKey(db, c.req.header('authorization'), {
      pepper: options.pepper,
      now: at,
    })
    if (!auth.ok) {
      const byIp = await options.perIp.take(ip)
      if (!byIp.ok) {
        options.refusals.rateLimited({ at, ip, path: request.path })
        throw rateLimited(c, byIp.retryAfterSeconds)
      }
      await options.refusals.denied({ at, ip, keyId: auth.keyId, reason: auth.reason, ...request })
      c.header('WWW-Authenticate', 'Bearer realm="admin"')
      throw new ApiError('unauthorized', 'a valid admin key is required')
    }
    const used = (status: number) =>
      insertAdminAudit(db, {
        at: now(),
        keyId: auth.key.id,
        action: 'key.use',
        detail: { ...request, status },
        ip,
      })
    const byKey = await options.perKey.take(auth.key.id)
    if (!byKey.ok) {
      await used(429)
      logger.warn('admin rate limit (key)', { kid: auth.key.id, ip, path: request.path })
      throw rateLimited(c, byKey.retryAfterSeconds)
    }
    c.set('adminKey', auth.key)
    c.set('clientIp', ip)
    await next()
    await used(c.res.status)
  }
}

/** 403 unless the authenticated key has `scope` (`write` implies `read`). */
export function requireScope(scope: AdminScope): MiddlewareHandler<AdminEnv> {
  return async function requireScope(c, next) {
    if (!scopeAllows(c.var.adminKey.scope, scope)) {
      throw new ApiError('forbidden', `this route needs a ${scope} key`)
    }
    await next()
  }
}
