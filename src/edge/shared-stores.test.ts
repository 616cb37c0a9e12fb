import { describe, expect, it } from 'vitest'
import { createLogger } from '../lib/logger'
import type { TmaiQuote } from '../pricing/tmai-offers'
import { type SharedStateEndpoint, sharedQuoteStore } from './shared-stores'

const quote = (expiresAt: number, amountAtomic = 21_857_142_857_142_857_143n): TmaiQuote => ({
  route: '/v1/daily-ohlcv',
  amountAtomic,
  usdMicros: 15_300n,
  discount: '0.10',
  rateUsd: '0.0007',
  source: 'fixed',
  observedAt: 0,
  expiresAt,
})

/** The SharedState object's quote methods over a Map, counting writes (what a round trip costs). */
function fakeObject(failing = false) {
  const stored = new Map<string, TmaiQuote>()
  let writes = 0
  const endpoint: SharedStateEndpoint = {
    takeRateToken: async () => ({ ok: true }),
    rememberQuote: async (q) => {
      if (failing) throw new Error('object unreachable')
      writes++
      stored.set(`${q.route}|${q.amountAtomic}`, q)
    },
    findQuote: async (route, amount, now) => {
      if (failing) throw new Error('object unreachable')
      const q = stored.get(`${route}|${amount}`)
      return q && q.expiresAt >= now ? q : undefined
    },
  }
  return { endpoint: () => endpoint, writes: () => writes }
}

describe('sharedQuoteStore', () => {
  const lines: string[] = []
  const logger = createLogger('debug', (line) => lines.push(line))

  it('stores each quote with its window stretched by the slack, and skips writes the stored window covers', async () => {
    const object = fakeObject()
    const store = sharedQuoteStore(object.endpoint, logger, 15_000)
    await store.remember(quote(120_000))
    await store.remember(quote(130_000)) // covered by 135 000
    expect(object.writes()).toBe(1)
    await store.remember(quote(136_000)) // not covered: written again
    expect(object.writes()).toBe(2)
    expect((await store.find('/v1/daily-ohlcv', 21_857_142_857_142_857_143n, 150_000))?.expiresAt).toBe(
      151_000,
    )
    // Every quote handed out is honoured to its own end.
    expect(await store.find('/v1/daily-ohlcv', 21_857_142_857_142_857_143n, 136_000)).toBeDefined()
    expect(await store.find('/v1/daily-ohlcv', 1n, 0)).toBeUndefined()
  })

  it('an unreachable object neither fails the 402 nor a payment lookup: logged, and nothing is honoured', async () => {
    const store = sharedQuoteStore(fakeObject(true).endpoint, logger)
    await expect(store.remember(quote(120_000))).resolves.toBeUndefined()
    await expect(store.find('/v1/daily-ohlcv', 21_857_142_857_142_857_143n, 0)).resolves.toBeUndefined()
    expect(lines.filter((l) => l.includes('SharedState'))).toHaveLength(2)
  })
})
