import { describe, expect, it } from 'vitest'
import { Candle } from '../lib/candle'
import { DEFAULT_UNIVERSE } from './default-universe'
import { generateSyntheticDataset, mulberry32, syntheticProfile } from './synthetic'

const END = '2024-06-30'

describe('generateSyntheticDataset', () => {
  const dataset = generateSyntheticDataset({ endDate: END })

  it('has the requested lengths for every asset, ending at endDate', () => {
    expect(dataset.daily).toHaveLength(DEFAULT_UNIVERSE.length * 400)
    expect(dataset.hourly).toHaveLength(DEFAULT_UNIVERSE.length * 30 * 24)
    const btcDaily = dataset.daily.filter((c) => c.symbol === 'BTC')
    const btcHourly = dataset.hourly.filter((c) => c.symbol === 'BTC')
    expect(btcDaily[0]!.time).toBe('2023-05-28') // 399 days before, across 2024-02-29
    expect(btcDaily.at(-1)!.time).toBe(END)
    expect(btcHourly[0]!.time).toBe('2024-06-01T00:00:00Z')
    expect(btcHourly.at(-1)!.time).toBe('2024-06-30T23:00:00Z')

    const small = generateSyntheticDataset({
      endDate: END,
      days: 10,
      hourlyDays: 2,
      assets: [{ symbol: 'ETH' }],
    })
    expect(small.daily).toHaveLength(10)
    expect(small.hourly).toHaveLength(48)
  })

  it('is deterministic for a seed, and a different seed gives a different path', () => {
    const options = { endDate: END, days: 60, hourlyDays: 5 }
    expect(generateSyntheticDataset(options)).toEqual(generateSyntheticDataset(options))
    const other = generateSyntheticDataset({ ...options, seed: 7 })
    expect(other.daily[0]!.close).not.toBe(generateSyntheticDataset(options).daily[0]!.close)
  })

  it('produces valid candles: positive prices, consistent OHLC, ascending unique times', () => {
    const problems: string[] = []
    for (const candles of [dataset.daily, dataset.hourly]) {
      let previous: Candle | undefined
      for (const c of candles) {
        const where = `${c.symbol} ${c.time}`
        if (!Candle.safeParse(c).success) problems.push(`${where}: schema`)
        if (!(c.low > 0)) problems.push(`${where}: non-positive low`)
        if (c.low > Math.min(c.open, c.close) || c.high < Math.max(c.open, c.close))
          problems.push(`${where}: OHLC`)
        if (!(c.volume > 0)) problems.push(`${where}: volume`)
        if (previous?.symbol === c.symbol && !(c.time > previous.time)) problems.push(`${where}: order`)
        previous = c
      }
    }
    expect(problems).toEqual([])
  })

  it('anchors the last close at the reference price; market cap = close × supply, daily only', () => {
    const btc = dataset.daily.filter((c) => c.symbol === 'BTC')
    const profile = syntheticProfile('BTC')
    expect(btc.at(-1)!.close).toBeCloseTo(profile.price, 0)
    for (const c of btc) expect(c.marketCap).toBe(Math.round(c.close * profile.circulatingSupply))
    expect(dataset.hourly.every((c) => c.marketCap === null)).toBe(true)
  })

  it('keeps daily bars consistent with the hourly bars they aggregate', () => {
    const day = dataset.daily.find((c) => c.symbol === 'SOL' && c.time === '2024-06-15')!
    const hours = dataset.hourly.filter((c) => c.symbol === 'SOL' && c.time.startsWith('2024-06-15'))
    expect(hours).toHaveLength(24)
    expect(day.open).toBe(hours[0]!.open)
    expect(day.close).toBe(hours.at(-1)!.close)
    expect(day.high).toBe(Math.max(...hours.map((h) => h.high)))
    expect(day.low).toBe(Math.min(...hours.map((h) => h.low)))
  })

  it('correlates assets through the shared market factor', () => {
    const returns = (symbol: string) => {
      const closes = dataset.daily.filter((c) => c.symbol === symbol).map((c) => c.close)
      return closes.slice(1).map((c, i) => Math.log(c / closes[i]!))
    }
    const corr = (a: number[], b: number[]) => {
      const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length
      const [ma, mb] = [mean(a), mean(b)]
      let [sab, saa, sbb] = [0, 0, 0]
      a.forEach((v, i) => {
        sab += (v - ma) * (b[i]! - mb)
        saa += (v - ma) ** 2
        sbb += (b[i]! - mb) ** 2
      })
      return sab / Math.sqrt(saa * sbb)
    }
    const btcEth = corr(returns('BTC'), returns('ETH'))
    expect(btcEth).toBeGreaterThan(0.65)
    expect(btcEth).toBeLessThan(0.9)
  })

  it('rejects bad arguments', () => {
    expect(() => generateSyntheticDataset({ endDate: '30/06/2024' })).toThrow('endDate must be YYYY-MM-DD')
    expect(() => generateSyntheticDataset({ endDate: END, days: 5, hourlyDays: 6 })).toThrow('hourlyDays')
  })
})

describe('mulberry32', () => {
  it('is a reproducible stream in [0, 1)', () => {
    const a = mulberry32(1)
    const b = mulberry32(1)
    const draws = Array.from({ length: 1000 }, () => a())
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()))
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(new Set(draws).size).toBe(1000)
  })
})
