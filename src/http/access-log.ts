import type { MiddlewareHandler } from 'hono'
import type { Logger } from '../lib/logger'
import type { AppEnv } from './app-env'
import { routePattern } from './route-pattern'

export interface AccessLogOptions {
  logger: Logger
  /** Log one in this many unpaid 402 challenges (1: every one). Errors and paid requests are always logged. */
  challengeSampleEvery: number
}

/**
 * One line per request, except that plain 402 challenges (no payment header, the bulk of unpaid traffic) are
 * sampled: each sampled line says how many it stands for. Every error and every request that carried a payment is
 * logged. The line is written by the logger's batched sink, so the hot path only formats it.
 */
export function accessLog({ logger, challengeSampleEvery }: AccessLogOptions): MiddlewareHandler<AppEnv> {
  let challengesSinceLast = 0
  return async function accessLog(c, next) {
    const started = performance.now()
    await next()
    const status = c.res.status
    let sampled: number | undefined
    if (status === 402 && !c.req.header('payment-signature') && !c.req.header('x-payment')) {
      if (++challengesSinceLast < challengeSampleEvery) return
      if (challengeSampleEvery > 1) sampled = challengesSinceLast
      challengesSinceLast = 0
    }
    logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      route: routePattern(c),
      path: c.req.path,
      status,
      ms: Math.round(performance.now() - started),
      payer: c.get('payment')?.payer,
      sampled,
    })
  }
}
