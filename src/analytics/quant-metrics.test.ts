import { describe, expect, it } from 'vitest'
import {
  candlesFromCloses,
  closesFromReturns,
  randomReturns,
  seededRandom,
} from '../../test/helpers/analytics-builders'
import { beta, computeQuantMetrics, downsideDeviation, historicalVaR, maxDrawdown } from './quant-metrics'

const fromReturns = (symbol: string, returns: readonly number[], start?: string) =>
  candlesFromCloses(symbol, closesFromReturns(returns), start === undefined ? {} : { start })

/** Independent type-7 quantile (numpy 'linear'), to cross-check simple-statistics. */
function quantile7(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const h = (sorted.length - 1) * p
  const lo = Math.floor(h)
  return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!)
}

describe('computeQuantMetrics: closed forms', () => {
  it('constant daily return r over more than a year: CAGR = (1+r)^365 − 1, zero volatility and drawdown', () => {
    const r = 0.002
    const m = computeQuantMetrics(fromReturns('A', Array(400).fill(r)), { days: 'all' })!
    expect(m.observations).toBe(400)
    expect(m.totalReturn).toBeCloseTo((1 + r) ** 400 - 1, 12)
    expect(m.cagrAnnualised).toBe(true)
    expect(m.cagr / ((1 + r) ** 365 - 1)).toBeCloseTo(1, 12)
    expect(m.volatility).toBeLessThan(1e-12)
    expect(m.maxDrawdown).toBe(0)
    expect(m.calmar).toBeNull()
    expect(m.sortino).toBeNull()
    expect(m.valueAtRisk).toBeCloseTo(r, 12)
    expect(m.conditionalValueAtRisk).toBeCloseTo(r, 12)
    expect(m.profitFactor).toBeNull()
  })

  it('a full 365-day window annualises to the total return', () => {
    const m = computeQuantMetrics(fromReturns('A', randomReturns(500, 7)))!
    expect(m.observations).toBe(365)
    expect(m.cagr).toBeCloseTo(m.totalReturn, 12)
  })

  it('a window shorter than a year reports its period return as CAGR (never annualised)', () => {
    // 100 → 96 → 94 over 2 days: annualising would give 0.94^(365/2) − 1 ≈ −0.99999.
    const m = computeQuantMetrics(candlesFromCloses('A', [100, 96, 94]), { days: 2 })!
    expect(m.totalReturn).toBeCloseTo(-0.06, 15)
    expect(m.cagr).toBe(m.totalReturn)
    expect(m.cagrAnnualised).toBe(false)
    // Calmar then uses the same period return: −0.06 / 0.06.
    expect(m.maxDrawdown).toBeCloseTo(-0.06, 15)
    expect(m.calmar).toBeCloseTo(-1, 12)
  })

  it('annualises from 365 calendar days on: 364 days is a period return, 366 days compounds', () => {
    const candles = fromReturns('A', Array(400).fill(0.001))
    const short = computeQuantMetrics(candles, { days: 364 })!
    expect(short.cagrAnnualised).toBe(false)
    expect(short.cagr).toBe(short.totalReturn)
    const long = computeQuantMetrics(candles, { days: 366 })!
    expect(long.cagrAnnualised).toBe(true)
    expect(long.cagr).toBeCloseTo(1.001 ** 365 - 1, 12)
    // A young asset's `all` window is as long as its history, so it is not annualised either.
    const young = computeQuantMetrics(fromReturns('B', Array(100).fill(0.001)), { days: 'all' })!
    expect(young.cagr).toBe(young.totalReturn)
  })

  it('alternating +2r / −r: mean, volatility, Sharpe, Sortino and total return', () => {
    const r = 0.01
    const k = 100
    const n = 2 * k
    const returns = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 2 * r : -r))
    const m = computeQuantMetrics(fromReturns('A', returns), { days: 'all' })!
    const sd = 1.5 * r * Math.sqrt(n / (n - 1))
    expect(m.meanDailyReturn).toBeCloseTo(r / 2, 14)
    expect(m.dailyVolatility).toBeCloseTo(sd, 14)
    expect(m.volatility).toBeCloseTo(sd * Math.sqrt(365), 12)
    expect(m.sharpe).toBeCloseTo((r / 2 / sd) * Math.sqrt(365), 10)
    expect(m.sortino).toBeCloseTo((r / 2 / (r / Math.SQRT2)) * Math.sqrt(365), 10)
    expect(m.totalReturn).toBeCloseTo(((1 + 2 * r) * (1 - r)) ** k - 1, 12)
    expect(m.maxDrawdown).toBeCloseTo(-r, 12)
    expect(m.profitFactor).toBeCloseTo(2, 12)
    expect(m.skewness).toBeCloseTo(0, 10)
  })

  it('risk-free rate lowers Sharpe by the geometric daily rate over daily volatility', () => {
    const candles = fromReturns('A', randomReturns(400, 3))
    const base = computeQuantMetrics(candles)!
    const withRf = computeQuantMetrics(candles, { riskFreeRate: 0.05 })!
    const rfDaily = 1.05 ** (1 / 365) - 1
    expect(base.sharpe! - withRf.sharpe!).toBeCloseTo((rfDaily / base.dailyVolatility) * Math.sqrt(365), 12)
    expect(withRf.volatility).toBe(base.volatility)
  })

  it('Sortino with a risk-free rate measures the downside below that same rate', () => {
    // Small returns around the daily rate, so the target matters: returns in (0, rf_d) fall short of it.
    const returns = randomReturns(400, 13, 0.0004, 0.0001)
    const candles = fromReturns('A', returns)
    const rfDaily = 1.05 ** (1 / 365) - 1
    const m = computeQuantMetrics(candles, { riskFreeRate: 0.05 })!
    const r = computeReturnsBack(returns).slice(-365)
    const excess = r.reduce((a, b) => a + b, 0) / r.length - rfDaily
    const downside = Math.sqrt(r.reduce((a, x) => a + Math.min(x - rfDaily, 0) ** 2, 0) / r.length)
    expect(m.sortino).toBeCloseTo((excess / downside) * Math.sqrt(365), 10)
    // With target 0 instead the figure differs (it ignored the days that beat 0 but not the rate).
    const zeroTarget = Math.sqrt(r.reduce((a, x) => a + Math.min(x, 0) ** 2, 0) / r.length)
    expect(Math.abs(m.sortino! - (excess / zeroTarget) * Math.sqrt(365))).toBeGreaterThan(0.1)
    expect(downsideDeviation([0.01, 0.03], 0.02)).toBeCloseTo(0.01 / Math.SQRT2, 15)
  })

  it('max drawdown of a known path', () => {
    expect(maxDrawdown([100, 120, 90, 110, 60, 130, 100])).toBeCloseTo(-0.5, 15)
    expect(maxDrawdown([1, 2, 3])).toBe(0)
    const m = computeQuantMetrics(candlesFromCloses('A', [100, 120, 90, 110, 60, 130, 100]), { days: 'all' })!
    expect(m.maxDrawdown).toBeCloseTo(-0.5, 15)
    expect(m.calmar).toBeCloseTo(m.cagr / 0.5, 12)
  })

  it('historical VaR/CVaR on a known distribution', () => {
    // Returns −0.050, −0.049, … +0.049 in a shuffled order.
    const values = Array.from({ length: 100 }, (_, i) => (i - 50) / 1000)
    const rand = seededRandom(11)
    const shuffled = values
      .map((v) => ({ v, k: rand() }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.v)
    const m = computeQuantMetrics(fromReturns('A', shuffled), { days: 'all' })!
    // Type-7: h = 99 × 0.05 = 4.95 → x(4) + 0.95 (x(5) − x(4)).
    expect(m.valueAtRisk).toBeCloseTo(-0.046 + 0.95 * 0.001, 12)
    expect(m.conditionalValueAtRisk).toBeCloseTo(-0.048, 12)
    expect(m.conditionalValueAtRisk).toBeLessThanOrEqual(m.valueAtRisk)
    expect(m.tailRatio).toBeCloseTo(quantile7(values, 0.95) / Math.abs(quantile7(values, 0.05)), 10)
  })

  it('VaR matches an independent quantile implementation', () => {
    const returns = randomReturns(300, 5, 0.08)
    expect(historicalVaR(returns, 0.05).valueAtRisk).toBeCloseTo(quantile7(returns, 0.05), 14)
  })

  it('CVaR is the expected shortfall of exactly the worst 5%: the boundary day counts with its fraction', () => {
    // 30 returns −0.015 … +0.014: the worst 5% is 1.5 observations, so ES = (x₀ + 0.5·x₁) / 1.5.
    const values = Array.from({ length: 30 }, (_, i) => (i - 15) / 1000)
    const { valueAtRisk, conditionalValueAtRisk } = historicalVaR(values, 0.05)
    expect(conditionalValueAtRisk).toBeCloseTo((-0.015 + 0.5 * -0.014) / 1.5, 15)
    // Not the mean of the returns at or below the interpolated VaR (−0.01355): that is (x₀ + x₁) / 2.
    expect(valueAtRisk).toBeCloseTo(-0.01355, 15)
    expect(conditionalValueAtRisk).not.toBeCloseTo(-0.0145, 6)
  })

  it.each([
    [365, 0.05],
    [300, 0.05],
    [90, 0.01],
    [250, 0.1],
  ])('CVaR over %i returns at p = %f equals the integral of the empirical quantile function', (n, p) => {
    // Independent form: ES_p = (1/p) ∫₀ᵖ Q(u) du with the step quantile Q(u) = x_(⌈n·u⌉), integrated numerically.
    const returns = randomReturns(n, n, 0.06)
    const sorted = [...returns].sort((a, b) => a - b)
    const steps = 400_000
    let integral = 0
    for (let s = 0; s < steps; s++) {
      const u = ((s + 0.5) / steps) * p
      integral += sorted[Math.ceil(n * u) - 1]!
    }
    const expected = integral / steps
    const { conditionalValueAtRisk, valueAtRisk } = historicalVaR(returns, p)
    expect(conditionalValueAtRisk).toBeCloseTo(expected, 6)
    expect(conditionalValueAtRisk).toBeLessThanOrEqual(valueAtRisk)
  })

  it('rejects a tail probability outside (0, 1)', () => {
    expect(() => historicalVaR([0.1, -0.1, 0.2], 0)).toThrow(RangeError)
    expect(() => historicalVaR([0.1, -0.1, 0.2], 1)).toThrow(RangeError)
  })

  it('beta of an asset whose returns are exactly 2× BTC is 2; BTC to itself is 1', () => {
    const btcReturns = randomReturns(400, 21)
    const btc = fromReturns('BTC', btcReturns)
    const lev = fromReturns(
      'LEV',
      btcReturns.map((r) => 2 * r),
    )
    expect(computeQuantMetrics(lev, { benchmark: btc })!.beta).toBeCloseTo(2, 10)
    expect(computeQuantMetrics(btc, { benchmark: btc })!.beta).toBeCloseTo(1, 12)
    expect(computeQuantMetrics(btc)!.beta).toBeNull()
  })

  it('beta uses only the dates both series have', () => {
    const btcReturns = randomReturns(100, 4)
    const btc = fromReturns('BTC', btcReturns)
    // Starts 40 days later, then follows −BTC.
    const late = fromReturns(
      'LATE',
      btcReturns.slice(40).map((r) => -r),
      '2024-02-10',
    )
    const m = computeQuantMetrics(late, { benchmark: btc, days: 'all' })!
    expect(m.betaObservations).toBe(60)
    expect(m.beta).toBeCloseTo(-1, 10)
  })

  it('skewness and excess kurtosis match the textbook G1/G2 formulas', () => {
    const returns = randomReturns(250, 9, 0.05).map((r) => r ** 3 * 40 + r)
    const m = computeQuantMetrics(fromReturns('A', returns), { days: 'all' })!
    const x = computeReturnsBack(returns)
    const n = x.length
    const mu = x.reduce((a, b) => a + b, 0) / n
    const s = Math.sqrt(x.reduce((a, b) => a + (b - mu) ** 2, 0) / (n - 1))
    const z3 = x.reduce((a, b) => a + ((b - mu) / s) ** 3, 0)
    const z4 = x.reduce((a, b) => a + ((b - mu) / s) ** 4, 0)
    const g1 = (n / ((n - 1) * (n - 2))) * z3
    const g2 = ((n * (n + 1)) / ((n - 1) * (n - 2) * (n - 3))) * z4 - (3 * (n - 1) ** 2) / ((n - 2) * (n - 3))
    expect(m.skewness).toBeCloseTo(g1, 10)
    expect(m.excessKurtosis).toBeCloseTo(g2, 10)
  })

  it('is null with fewer than two returns, and per-field nulls for short samples', () => {
    expect(computeQuantMetrics(candlesFromCloses('A', [1, 2]))).toBeNull()
    expect(computeQuantMetrics([])).toBeNull()
    const m = computeQuantMetrics(candlesFromCloses('A', [1, 2, 1.5]))!
    expect(m.observations).toBe(2)
    expect(m.skewness).toBeNull()
    expect(m.excessKurtosis).toBeNull()
  })

  it('respects days and endDate', () => {
    const candles = fromReturns('A', randomReturns(200, 2)) // 2024-01-01 .. 2024-07-19
    const m = computeQuantMetrics(candles, { days: 30, endDate: '2024-03-31' })!
    expect(m.endDate).toBe('2024-03-31')
    expect(m.startDate).toBe('2024-03-01')
    expect(m.observations).toBe(30)
  })
})

/** The returns as the module sees them: recomputed from the compounded close path. */
function computeReturnsBack(returns: readonly number[]): number[] {
  const closes = closesFromReturns(returns)
  return closes.slice(1).map((c, i) => c / closes[i]! - 1)
}

describe('invariants on random series', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: drawdown <= 0, CVaR <= VaR, volatility >= 0', (seed) => {
    const m = computeQuantMetrics(fromReturns('A', randomReturns(400, seed, 0.1, -0.001)))!
    expect(m.maxDrawdown).toBeLessThanOrEqual(0)
    expect(m.maxDrawdown).toBeGreaterThanOrEqual(-1)
    expect(m.conditionalValueAtRisk).toBeLessThanOrEqual(m.valueAtRisk)
    expect(m.volatility).toBeGreaterThanOrEqual(0)
    expect(downsideDeviation([0.1, -0.1])).toBeCloseTo(0.1 / Math.SQRT2, 15)
  })

  it('beta helper returns null for a constant benchmark', () => {
    expect(beta([0.1, 0.2, 0.3], [0.01, 0.01, 0.01])).toBeNull()
    expect(beta([0.1], [0.2])).toBeNull()
  })
})
