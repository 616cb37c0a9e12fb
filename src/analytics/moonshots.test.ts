import { describe, expect, it } from 'vitest'
import { barsFromCloses, randomWalk } from '../../test/helpers/technical-builders'
import type { Candle } from '../lib/candle'
import { evaluateMoonshotRules, type MoonshotRuleCheck, moonshots, moonshotTrades } from './moonshots'
import { traderGradeHistory } from './trader-grade'

/** Rule checks with only `holds` and `close` mattering to the walker. */
function checks(holds: readonly boolean[], closes?: readonly number[]): MoonshotRuleCheck[] {
  return holds.map((h, i) => ({
    time: `t${String(i).padStart(2, '0')}`,
    close: closes?.[i] ?? 100 + i,
    marketCap: 1e9,
    traderGrade: 70,
    gradeChange: 12,
    volumeRatio: 2,
    smallCap: h,
    gradeRising: h,
    volumeSurge: h,
    holds: h,
  }))
}

describe('moonshotTrades (entry/exit walk)', () => {
  it('enters on the first bar of a streak and exits on the first bar the rules fail', () => {
    const t = moonshotTrades('X', checks([false, true, true, false, true]))
    expect(t).toHaveLength(2)
    expect(t[0]).toMatchObject({ entryDate: 't01', exitDate: 't03', exitReason: 'rules', barsHeld: 2 })
    expect(t[0]!.roi).toBeCloseTo(103 / 101 - 1, 12)
    expect(t[1]).toMatchObject({ entryDate: 't04', exitDate: null, exitReason: null, barsHeld: 0, roi: 0 })
  })

  it('exits after maxHoldBars and waits for the rules to stop holding before re-entering', () => {
    const holds = [...Array(10).fill(true), false, true]
    const t = moonshotTrades('X', checks(holds), { maxHoldBars: 3 })
    expect(t).toHaveLength(2)
    expect(t[0]).toMatchObject({ entryDate: 't00', exitDate: 't03', exitReason: 'maxHold', barsHeld: 3 })
    expect(t[1]).toMatchObject({ entryDate: 't11', exitDate: null })
  })

  it('never enters at a zero price (ROI would be undefined); it waits for the next priced bar', () => {
    const t = moonshotTrades('X', checks([true, true], [0, 5]))
    expect(t.map((x) => x.entryDate)).toEqual(['t01'])
  })
})

/**
 * A small cap that drifts sideways for 200 days on steady volume, then rallies 3%/day for 15 days on 4× volume,
 * then fades on normal volume. Cap = close × 1e7 (≈ 1e9 USD).
 */
function rallyAsset(symbol = 'MOON', seed = 8): Candle[] {
  const base = randomWalk(200, seed, { scale: 0.01 })
  const closes = [...base]
  for (let i = 0; i < 15; i++) closes.push(closes[closes.length - 1]! * 1.03)
  for (let i = 0; i < 40; i++) closes.push(closes[closes.length - 1]! * 0.99)
  return barsFromCloses(symbol, closes, {
    volume: (i) => (i >= 200 && i < 215 ? 4e6 : 1e6),
    marketCap: (close) => close * 1e7,
  })
}

describe('evaluateMoonshotRules', () => {
  const candles = rallyAsset()
  const rules = evaluateMoonshotRules(candles)

  it('computes each rule from its documented definition', () => {
    const grades = new Map(traderGradeHistory(candles).map((g) => [g.time, g.traderGrade]))
    rules.forEach((r, i) => {
      const grade = grades.get(r.time) ?? null
      expect(r.traderGrade).toBe(grade)
      if (i >= 7 && grade !== null && grades.has(candles[i - 7]!.time)) {
        expect(r.gradeChange).toBeCloseTo(grade - grades.get(candles[i - 7]!.time)!, 12)
      }
      if (i >= 29) {
        const avg = (n: number) => candles.slice(i - n + 1, i + 1).reduce((s, c) => s + c.volume, 0) / n
        expect(r.volumeRatio).toBeCloseTo(avg(7) / avg(30), 12)
      } else {
        expect(r.volumeRatio).toBeNull()
      }
      expect(r.holds).toBe(r.smallCap && r.gradeRising && r.volumeSurge)
    })
  })

  it('fires during the rally', () => {
    const firing = rules.filter((r) => r.holds).map((r) => candles.findIndex((c) => c.time === r.time))
    expect(firing.length).toBeGreaterThan(0)
    expect(firing.every((i) => i >= 200 && i < 222)).toBe(true)
  })
})

describe('moonshots over a universe', () => {
  const moon = rallyAsset()
  // Same path but a 1e12 cap: fails the small-cap rule everywhere.
  const whale = barsFromCloses(
    'WHALE',
    moon.map((c) => c.close),
    { volume: (i) => (i >= 200 && i < 215 ? 4e6 : 1e6), marketCap: () => 1e12 },
  )
  const universe = { MOON: moon, WHALE: whale }

  it('records a past pick whose entry bar satisfies every rule and whose ROI is exit / entry − 1', () => {
    const result = moonshots(universe)
    expect(result.asOf).toBe(moon[moon.length - 1]!.time)
    expect(result.active).toHaveLength(0)
    expect(result.past.length).toBeGreaterThan(0)
    for (const p of result.past) {
      expect(p.symbol).toBe('MOON')
      expect(p.entry.holds).toBe(true)
      expect(p.entry.marketCap!).toBeLessThan(5e9)
      expect(p.entry.traderGrade!).toBeGreaterThanOrEqual(60)
      expect(p.entry.gradeChange!).toBeGreaterThanOrEqual(10)
      expect(p.entry.volumeRatio!).toBeGreaterThanOrEqual(1.5)
      const entry = moon.find((c) => c.time === p.entryDate)!
      const exit = moon.find((c) => c.time === p.exitDate)!
      expect(p.entryPrice).toBe(entry.close)
      expect(p.exitPrice).toBe(exit.close)
      expect(p.roi).toBeCloseTo(exit.close / entry.close - 1, 12)
      expect(p.exitReason).toBe('rules')
    }
  })

  it('lists the pick as active while the rules still hold on asOf, with entry = first day of the streak', () => {
    const rules = evaluateMoonshotRules(moon)
    const firstHold = rules.findIndex((r) => r.holds)
    const asOf = moon[firstHold + 1]!.time
    // Only meaningful if the rules still hold the next day.
    expect(rules[firstHold + 1]!.holds).toBe(true)
    const result = moonshots(universe, { asOf })
    expect(result.active).toHaveLength(1)
    const a = result.active[0]!
    expect(a.entryDate).toBe(moon[firstHold]!.time)
    expect(a.time).toBe(asOf)
    expect(a.price).toBe(moon[firstHold + 1]!.close)
    expect(a.roi).toBeCloseTo(moon[firstHold + 1]!.close / moon[firstHold]!.close - 1, 12)
    expect(a.exitDate).toBeNull()
    // The rule walk up to asOf uses no later data.
    const truncated = { MOON: moon.filter((c) => c.time <= asOf), WHALE: whale.filter((c) => c.time <= asOf) }
    expect(moonshots(truncated)).toEqual(result)
  })

  it('respects the market-cap threshold parameter', () => {
    const result = moonshots(universe, { maxMarketCap: 1e6 })
    expect(result.active).toHaveLength(0)
    expect(result.past).toHaveLength(0)
  })
})
