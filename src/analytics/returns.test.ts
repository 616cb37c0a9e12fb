import { describe, expect, it } from 'vitest'
import { candlesFromCloses } from '../../test/helpers/analytics-builders'
import {
  addDays,
  alignReturns,
  candleWindow,
  dailyReturns,
  daysBetween,
  lastOnOrBefore,
  periodReturn,
  returnMap,
  returnWindow,
  sliceByDate,
} from './returns'

describe('date helpers', () => {
  it('adds calendar days across month, year and leap-day boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01')
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01')
    expect(addDays('2025-03-18', -365)).toBe('2024-03-18')
  })

  it('counts days between dates', () => {
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366)
    expect(daysBetween('2024-01-10', '2024-01-01')).toBe(-9)
  })

  it('rejects malformed dates', () => {
    expect(() => addDays('2024/01/01', 1)).toThrow(RangeError)
  })
})

describe('dailyReturns', () => {
  it('computes close/prev − 1 keyed by the later date', () => {
    const candles = candlesFromCloses('A', [100, 110, 99])
    const r = dailyReturns(candles)
    expect(r.map((x) => x.time)).toEqual(['2024-01-02', '2024-01-03'])
    expect(r[0]!.value).toBeCloseTo(0.1, 15)
    expect(r[1]!.value).toBeCloseTo(-0.1, 15)
  })

  it('skips a return whose base close is zero', () => {
    expect(dailyReturns(candlesFromCloses('A', [0, 1, 2])).map((x) => x.value)).toEqual([1])
  })

  it('returns nothing for fewer than two bars', () => {
    expect(dailyReturns(candlesFromCloses('A', [5]))).toEqual([])
  })
})

describe('alignReturns', () => {
  it('inner-joins on date in the order of the first series', () => {
    const a = [
      { time: '2024-01-02', value: 1 },
      { time: '2024-01-03', value: 2 },
      { time: '2024-01-05', value: 3 },
    ]
    const b = [
      { time: '2024-01-03', value: 20 },
      { time: '2024-01-04', value: 30 },
      { time: '2024-01-05', value: 40 },
    ]
    const expected = { times: ['2024-01-03', '2024-01-05'], a: [2, 3], b: [20, 40] }
    expect(alignReturns(a, b)).toEqual(expected)
    expect(alignReturns(a, returnMap(b))).toEqual(expected)
  })
})

describe('windows', () => {
  const candles = candlesFromCloses(
    'A',
    Array.from({ length: 20 }, (_, i) => 100 + i),
  ) // 2024-01-01 .. 2024-01-20

  it('slices inclusively by date and finds the last bar on or before a date', () => {
    expect(sliceByDate(candles, '2024-01-05', '2024-01-07').map((c) => c.time)).toEqual([
      '2024-01-05',
      '2024-01-06',
      '2024-01-07',
    ])
    expect(sliceByDate(candles, '2024-02-01')).toEqual([])
    expect(lastOnOrBefore(candles, '2023-12-31')).toBeUndefined()
    expect(lastOnOrBefore(candles, '2030-01-01')?.time).toBe('2024-01-20')
  })

  it('an N-day candle window has N + 1 closes and N returns', () => {
    const window = candleWindow(candles, 5, '2024-01-10')
    expect(window.map((c) => c.time)).toEqual([
      '2024-01-05',
      '2024-01-06',
      '2024-01-07',
      '2024-01-08',
      '2024-01-09',
      '2024-01-10',
    ])
    const returns = returnWindow(dailyReturns(candles), 5, '2024-01-10')
    expect(returns.map((r) => r.time)).toEqual(dailyReturns(window).map((r) => r.time))
  })

  it('defaults to the last bar and to all history', () => {
    expect(candleWindow(candles, 3).map((c) => c.time)[0]).toBe('2024-01-17')
    expect(candleWindow(candles)).toHaveLength(20)
    expect(candleWindow([], 3)).toEqual([])
    expect(returnWindow([], 3)).toEqual([])
  })
})

describe('periodReturn', () => {
  const candles = candlesFromCloses('A', [100, 105, 110, 120, 150])

  it('is point to point over calendar days', () => {
    expect(periodReturn(candles, 4)).toBeCloseTo(0.5, 15)
    expect(periodReturn(candles, 2, '2024-01-04')).toBeCloseTo(120 / 105 - 1, 15)
  })

  it('is null when the series is younger than the period', () => {
    expect(periodReturn(candles, 5)).toBeNull()
    expect(periodReturn([], 1)).toBeNull()
  })
})
