import { describe, expect, expectTypeOf, it, vi } from 'vitest'
import { ChainUnavailableError } from '../../chain/errors'
import type { TmaiRateFeed } from '../tmai-offers'
import {
  createGuardedPriceFeed,
  type GuardedPriceFeed,
  type PriceReading,
  PriceSourceError,
  type TmaiPriceSource,
  validateReading,
} from './port'

const NOW = Date.parse('2026-03-18T12:00:00Z')
const rules = { now: NOW, maxAgeMs: 300_000, minUsd: '0.00001', maxUsd: '1' }
const reading = (usd: string, ageMs = 0): PriceReading => ({
  usd,
  observedAt: NOW - ageMs,
  source: 'http-api',
})

describe('validateReading', () => {
  it.each([
    ['0.0007', 0],
    ['0.0007', 300_000], // exactly at the age limit
    ['0.00001', 0], // the band is inclusive
    ['1', 0],
    ['1.000', 0],
    ['0.0007', -59_000], // a little clock skew
  ])('accepts %s observed %i ms ago', (usd, ageMs) => {
    expect(validateReading(reading(usd, ageMs), rules)).toEqual({ ok: true, reading: reading(usd, ageMs) })
  })

  it.each([
    ['0.0007', 300_001, 'stale', 'http-api price 0.0007 is 300 s old (limit 300 s)'],
    ['0.0007', 3_600_000, 'stale', 'http-api price 0.0007 is 3600 s old (limit 300 s)'],
    ['0.0007', -120_000, 'stale', 'http-api price is stamped 120 s in the future; clocks disagree'],
    ['0.000009', 0, 'out_of_band', 'http-api price 0.000009 USD is outside the accepted band [0.00001, 1]'],
    ['1.0000001', 0, 'out_of_band', 'http-api price 1.0000001 USD is outside the accepted band [0.00001, 1]'],
    ['0', 0, 'out_of_band', 'http-api price 0 USD is outside the accepted band [0.00001, 1]'],
    ['7e-4', 0, 'unavailable', 'http-api returned a price that is not a decimal: "7e-4"'],
    ['-0.0007', 0, 'unavailable', 'http-api returned a price that is not a decimal: "-0.0007"'],
  ])('refuses %s observed %i ms ago as %s', (usd, ageMs, reason, message) => {
    expect(validateReading(reading(usd, ageMs), rules)).toEqual({ ok: false, reason, message })
  })

  it('a zero price is out of band even when the band starts at 0', () => {
    expect(validateReading(reading('0'), { ...rules, minUsd: '0' })).toMatchObject({ reason: 'out_of_band' })
  })

  it('a reading without a usable time is unavailable', () => {
    expect(validateReading({ ...reading('0.0007'), observedAt: Number.NaN }, rules)).toMatchObject({
      ok: false,
      reason: 'unavailable',
    })
  })
})

/** A source the test drives: each read returns (or throws) the next scripted outcome. */
function scriptedSource(...outcomes: (PriceReading | Error | (() => PriceReading))[]) {
  const calls = { count: 0 }
  const source: TmaiPriceSource = {
    read: async () => {
      const outcome = outcomes[Math.min(calls.count, outcomes.length - 1)]!
      calls.count++
      if (outcome instanceof Error) throw outcome
      return typeof outcome === 'function' ? outcome() : outcome
    },
  }
  return { source, calls }
}

function clock(start = NOW) {
  let now = start
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    },
  }
}

const feedOptions = { maxAgeMs: 300_000, minUsd: '0.00001', maxUsd: '1', cacheMs: 10_000 }

describe('createGuardedPriceFeed', () => {
  it('fits the quote book port', () => {
    expectTypeOf<GuardedPriceFeed>().toExtend<TmaiRateFeed>()
  })

  it('returns a valid reading flat, with ok: true', async () => {
    const time = clock()
    const { source } = scriptedSource(reading('0.000705', 60_000))
    const feed = createGuardedPriceFeed(source, { ...feedOptions, now: time.now })
    expect(await feed.current()).toEqual({ ok: true, ...reading('0.000705', 60_000) })
  })

  it('caches a reading for cacheMs, then asks the source again', async () => {
    const time = clock()
    const { source, calls } = scriptedSource(
      () => reading('0.0007'),
      () => ({ ...reading('0.0008'), observedAt: time.now() }),
    )
    const feed = createGuardedPriceFeed(source, { ...feedOptions, now: time.now })
    expect(await feed.current()).toMatchObject({ ok: true, usd: '0.0007' })
    time.advance(9_999)
    expect(await feed.current()).toMatchObject({ ok: true, usd: '0.0007' })
    expect(calls.count).toBe(1)
    time.advance(1)
    expect(await feed.current()).toMatchObject({ ok: true, usd: '0.0008' })
    expect(calls.count).toBe(2)
  })

  it('concurrent callers share one read', async () => {
    let release: (value: PriceReading) => void = () => {}
    let reads = 0
    const source: TmaiPriceSource = {
      read: () => {
        reads++
        return new Promise((resolve) => {
          release = resolve
        })
      },
    }
    const feed = createGuardedPriceFeed(source, { ...feedOptions, now: () => NOW })
    const pending = Promise.all(Array.from({ length: 20 }, () => feed.current()))
    await Promise.resolve()
    release(reading('0.0007'))
    const results = await pending
    expect(reads).toBe(1)
    expect(new Set(results.map((r) => r.ok && r.usd))).toEqual(new Set(['0.0007']))
  })

  it('re-checks a cached reading, so it turns stale even inside the cache window', async () => {
    const time = clock()
    const { source } = scriptedSource(reading('0.0007', 295_000))
    const feed = createGuardedPriceFeed(source, { ...feedOptions, now: time.now })
    expect(await feed.current()).toMatchObject({ ok: true })
    time.advance(6_000)
    expect(await feed.current()).toEqual({
      ok: false,
      reason: 'stale',
      message: 'http-api price 0.0007 is 301 s old (limit 300 s)',
    })
  })

  it('turns a thrown infrastructure error into unavailable with its message, and never throws', async () => {
    const rejections: unknown[] = []
    const { source } = scriptedSource(
      new ChainUnavailableError('TMAI pool observe', {
        cause: new Error('connect ECONNREFUSED 127.0.0.1:8545'),
      }),
    )
    const feed = createGuardedPriceFeed(source, {
      ...feedOptions,
      now: () => NOW,
      onRejection: (rejection, error) => rejections.push([rejection.reason, error]),
    })
    expect(await feed.current()).toEqual({
      ok: false,
      reason: 'unavailable',
      message: 'chain unavailable during TMAI pool observe: connect ECONNREFUSED 127.0.0.1:8545',
    })
    expect(rejections).toEqual([['unavailable', expect.any(ChainUnavailableError)]])
  })

  it('reports a source error (e.g. too little liquidity) as unavailable', async () => {
    const { source } = scriptedSource(
      new PriceSourceError({
        source: 'dex-twap',
        code: 'low_liquidity',
        message: 'pool liquidity 5 is below 10',
      }),
    )
    const feed = createGuardedPriceFeed(source, { ...feedOptions, now: () => NOW })
    expect(await feed.current()).toEqual({
      ok: false,
      reason: 'unavailable',
      message: 'dex-twap: pool liquidity 5 is below 10',
    })
  })

  it('survives a source that throws a non-Error or rejects synchronously', async () => {
    const weird: TmaiPriceSource = {
      read: () => {
        throw 'boom'
      },
    }
    const feed = createGuardedPriceFeed(weird, { ...feedOptions, now: () => NOW })
    expect(await feed.current()).toEqual({ ok: false, reason: 'unavailable', message: 'boom' })
  })

  it('caches a failure too, so an outage does not cost every request a timeout', async () => {
    const time = clock()
    const { source, calls } = scriptedSource(new Error('HTTP 500'), reading('0.0007'))
    const rejection = vi.fn()
    const feed = createGuardedPriceFeed(source, { ...feedOptions, now: time.now, onRejection: rejection })
    for (let i = 0; i < 5; i++)
      expect(await feed.current()).toMatchObject({ ok: false, reason: 'unavailable' })
    expect(calls.count).toBe(1)
    expect(rejection).toHaveBeenCalledTimes(1)
    time.advance(10_000)
    expect(await feed.current()).toMatchObject({ ok: true, usd: '0.0007' })
  })

  it('serves the last good reading through an outage while it is still fresh, and says so', async () => {
    const time = clock()
    const { source } = scriptedSource(
      () => ({ ...reading('0.0007'), observedAt: time.now() }),
      new Error('HTTP 503'),
    )
    const feed = createGuardedPriceFeed(source, { ...feedOptions, now: time.now })
    const first = await feed.current()
    expect(first).toMatchObject({ ok: true, usd: '0.0007' })
    time.advance(200_000)
    expect(await feed.current()).toMatchObject({
      ok: true,
      usd: '0.0007',
      observedAt: NOW,
      detail: { lastReadFailed: 'HTTP 503' },
    })
    time.advance(100_001) // now older than maxAgeMs: nothing left to serve
    expect(await feed.current()).toEqual({ ok: false, reason: 'unavailable', message: 'HTTP 503' })
  })

  it('a stale fresh read falls back to a newer last good reading', async () => {
    const time = clock()
    const { source } = scriptedSource(reading('0.0007', 1_000), reading('0.0009', 400_000))
    const feed = createGuardedPriceFeed(source, { ...feedOptions, now: time.now })
    await feed.current()
    time.advance(10_000)
    expect(await feed.current()).toMatchObject({ ok: true, usd: '0.0007' })
  })

  it('an out-of-band read discards the last good reading: the market says it no longer holds', async () => {
    const time = clock()
    const { source } = scriptedSource(
      () => ({ ...reading('0.0007'), observedAt: time.now() }),
      () => ({ ...reading('0.000001'), observedAt: time.now() }),
      new Error('HTTP 500'),
    )
    const feed = createGuardedPriceFeed(source, { ...feedOptions, now: time.now })
    expect(await feed.current()).toMatchObject({ ok: true })
    time.advance(10_000)
    expect(await feed.current()).toMatchObject({ ok: false, reason: 'out_of_band' })
    time.advance(10_000)
    expect(await feed.current()).toEqual({ ok: false, reason: 'unavailable', message: 'HTTP 500' })
  })

  it('refuses bad options at creation', () => {
    const { source } = scriptedSource(reading('0.0007'))
    expect(() => createGuardedPriceFeed(source, { ...feedOptions, minUsd: '1', maxUsd: '0.1' })).toThrow(
      'TMAI price band is empty: minUsd 1 > maxUsd 0.1',
    )
    expect(() => createGuardedPriceFeed(source, { ...feedOptions, maxUsd: 'one' })).toThrow('invalid decimal')
  })
})
