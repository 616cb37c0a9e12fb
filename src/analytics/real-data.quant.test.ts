/**
 * Invariants of every quant module over the bundled real dataset (81 assets, daily, 2024-01-10 → 2026-03-18),
 * when it sits beside the repository at ../shared/data. The data is read in place, never copied into the project.
 * Timings are logged, not asserted.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import type { Candle } from '../lib/candle'
import { buildReturnIndex, correlateAsset } from './correlation'
import { computeIndices } from './indices'
import { computeMarketMetrics } from './market-metrics'
import { computePricePrediction } from './price-prediction'
import { computeQuantMetrics } from './quant-metrics'
import type { TokenMeta } from './token-meta'
import { buildTokenReport } from './token-report'

const DATA_DIR = path.resolve(import.meta.dirname, '../../../shared/data')
const OHLCV = path.join(DATA_DIR, 'daily_ohlcv.csv')
const TOKENS = path.join(DATA_DIR, 'tokens.csv')

/** Minimal CSV reader: the files have a header row and no quoted fields. */
function readCsv(file: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n')
  const columns = header!.split(',')
  return rows.map((row) => {
    const cells = row.split(',')
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']))
  })
}

function loadCandles(): Record<string, Candle[]> {
  const out: Record<string, Candle[]> = {}
  for (const r of readCsv(OHLCV)) {
    const symbol = r.symbol!
    out[symbol] ??= []
    out[symbol].push({
      symbol,
      time: r.date!,
      open: Number(r.open),
      high: Number(r.high),
      low: Number(r.low),
      close: Number(r.close),
      volume: Number(r.volume),
      marketCap: r.market_cap ? Number(r.market_cap) : null,
    })
  }
  return out
}

/** Every number anywhere in `value` is finite (JSON would silently turn NaN into null). */
function expectFiniteNumbers(value: unknown, where: string): void {
  if (typeof value === 'number') {
    expect(Number.isFinite(value), where).toBe(true)
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      expectFiniteNumbers(v, `${where}[${i}]`)
    })
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) expectFiniteNumbers(v, `${where}.${k}`)
  }
}

function timed<T>(label: string, timings: Record<string, number>, fn: () => T): T {
  const t0 = performance.now()
  const out = fn()
  timings[label] = Math.round((performance.now() - t0) * 10) / 10
  return out
}

describe.runIf(existsSync(OHLCV) && existsSync(TOKENS))('quant analytics on the bundled real dataset', () => {
  const candles = loadCandles()
  const tokens: TokenMeta[] = readCsv(TOKENS).map((r) => ({
    symbol: r.symbol!,
    name: r.name!,
    category: r.category!,
  }))
  const symbols = Object.keys(candles)
  const timings: Record<string, number> = {}

  it('loads 81 sorted daily series', () => {
    expect(symbols).toHaveLength(81)
    const unsorted = symbols.filter((s) =>
      candles[s]!.some((c, i, all) => i > 0 && c.time <= all[i - 1]!.time),
    )
    expect(unsorted).toEqual([])
  })

  it('quant metrics: drawdown in [−1, 0], CVaR <= VaR, finite fields, BTC beta 1', () => {
    const all = timed('quantMetrics×81×2', timings, () =>
      symbols.flatMap((s) => [
        computeQuantMetrics(candles[s]!, { benchmark: candles.BTC }),
        computeQuantMetrics(candles[s]!, { benchmark: candles.BTC, days: 'all' }),
      ]),
    )
    for (const m of all) {
      expect(m).not.toBeNull()
      if (!m) continue
      expect(m.maxDrawdown).toBeLessThanOrEqual(0)
      expect(m.maxDrawdown).toBeGreaterThanOrEqual(-1)
      expect(m.conditionalValueAtRisk).toBeLessThanOrEqual(m.valueAtRisk)
      expect(m.valueAtRisk).toBeLessThan(0)
      expect(m.volatility).toBeGreaterThan(0)
      expect(m.observations).toBeGreaterThan(1)
      expect(m.beta).not.toBeNull()
      expectFiniteNumbers(m, m.symbol)
    }
    // Every default 365-day window is full except HYPE's (listed 2025-05-30).
    expect(all.filter((m) => m?.observations === 365)).toHaveLength(80)
    expect(computeQuantMetrics(candles.BTC!, { benchmark: candles.BTC })!.beta).toBeCloseTo(1, 12)
  })

  it('CAGR is annualised only over a year or more: ETH at days=2 reports its 2-day return', () => {
    const short = computeQuantMetrics(candles.ETH!, { days: 2 })!
    expect(short.cagrAnnualised).toBe(false)
    expect(short.cagr).toBe(short.totalReturn)
    expect(short.calmar).toBeCloseTo(short.totalReturn / Math.abs(short.maxDrawdown), 12)
    const year = computeQuantMetrics(candles.ETH!, { days: 365 })!
    expect(year.cagrAnnualised).toBe(true)
    expect(year.cagr).toBeCloseTo(year.totalReturn, 12)
    // HYPE (listed 2025-05-30) has under a year of history: its all-history CAGR is its period return.
    const hype = computeQuantMetrics(candles.HYPE!, { days: 'all' })!
    expect(hype.cagrAnnualised).toBe(false)
    expect(hype.cagr).toBe(hype.totalReturn)
  })

  it('correlation: self = 1, |r| <= 1, sorted, symmetric, every asset accounted for', () => {
    const index = timed('buildReturnIndex', timings, () => buildReturnIndex(candles))
    const results = timed('correlateAsset×81 (365d)', timings, () =>
      symbols.map((s) => correlateAsset(index, s, { days: 365 })!),
    )
    for (const r of results) {
      expect(r.correlations.find((c) => c.symbol === r.symbol)!.correlation).toBe(1)
      expect(r.correlations.length + r.skipped.length).toBe(81)
      const values = r.correlations.map((c) => c.correlation)
      expect(values).toEqual([...values].sort((a, b) => b - a))
      for (const v of values) expect(Math.abs(v)).toBeLessThanOrEqual(1)
    }
    const get = (a: string, b: string) =>
      results.find((r) => r.symbol === a)!.correlations.find((c) => c.symbol === b)!.correlation
    expect(get('ETH', 'BTC')).toBeCloseTo(get('BTC', 'ETH'), 12)
    expect(get('ETH', 'BTC')).toBeGreaterThan(0.5)
  })

  it('indices: weights sum to 1, level starts at 1000, top-N weights match the caps', () => {
    const indices = timed('computeIndices', timings, () => computeIndices(candles, tokens))
    const categories = new Set(tokens.filter((t) => candles[t.symbol]).map((t) => t.category))
    expect(indices).toHaveLength(2 + categories.size)
    for (const index of indices) {
      expect(index.levels[0]!.level).toBe(1000)
      for (const l of index.levels) expect(l.level).toBeGreaterThan(0)
      const sum = (k: 'weight' | 'rebalanceWeight') => index.holdings.reduce((a, h) => a + h[k], 0)
      expect(Math.abs(sum('weight') - 1)).toBeLessThan(1e-9)
      expect(Math.abs(sum('rebalanceWeight') - 1)).toBeLessThan(1e-9)
      expectFiniteNumbers(
        index.performance.map((p) => p.indexReturn),
        index.id,
      )
    }
    const top10 = indices.find((i) => i.id === 'top10')!
    expect(top10.holdings).toHaveLength(10)
    expect(indices.find((i) => i.id === 'top50')!.holdings).toHaveLength(50)
    // Independent recomputation of the last rebalance's weights from that day's caps.
    const caps = symbols
      .map((s) => ({ s, cap: candles[s]!.find((c) => c.time === top10.lastRebalance)?.marketCap ?? 0 }))
      .sort((a, b) => b.cap - a.cap)
      .slice(0, 10)
    const total = caps.reduce((a, c) => a + c.cap, 0)
    for (const { s, cap } of caps) {
      expect(top10.holdings.find((h) => h.symbol === s)!.rebalanceWeight).toBeCloseTo(cap / total, 12)
    }
  })

  it('market metrics: shares in [0, 1], positive totals, regimes once 200 days exist', () => {
    const result = timed('computeMarketMetrics', timings, () => computeMarketMetrics(candles))
    expect(result.days.length).toBeGreaterThan(700)
    for (const d of result.days) {
      expect(d.totalMarketCap).toBeGreaterThan(0)
      for (const share of [d.advancingShare, d.aboveSma50Share]) {
        if (share !== null) {
          expect(share).toBeGreaterThanOrEqual(0)
          expect(share).toBeLessThanOrEqual(1)
        }
      }
    }
    expect(result.days.slice(199).every((d) => d.regime !== null)).toBe(true)
    expect(result.signals.source).toBe('price-above-sma50-proxy')
    expect(result.signals.total).toBe(81)
  })

  it('price prediction: 0 < bear <= base <= moon <= 1, supply matches cap/price', () => {
    const predictions = timed('computePricePrediction×81', timings, () =>
      symbols.map((s) => computePricePrediction(candles, s)),
    )
    for (const p of predictions) {
      if (!p) continue // assets without any market cap
      expect(p.shares.bear).toBeGreaterThan(0)
      expect(p.shares.bear).toBeLessThanOrEqual(p.shares.base)
      expect(p.shares.base).toBeLessThanOrEqual(p.shares.moon)
      expect(p.shares.moon).toBeLessThanOrEqual(1)
      expect(p.asOf).toBe(candles[p.symbol]!.at(-1)!.time)
      expect(p.currentPrice).toBe(candles[p.symbol]!.at(-1)!.close)
      if (p.currentMarketCap !== null) {
        expect(p.supplyDate).toBe(p.asOf)
        expect(p.circulatingSupply * p.currentPrice).toBeCloseTo(p.currentMarketCap, 0)
      } else {
        expect(p.supplyDate < p.asOf).toBe(true)
      }
      expectFiniteNumbers(p, p.symbol)
    }
    // GMX's cap estimate stops on 2025-04-30: the scenarios are still priced against its last close.
    const gmx = predictions.find((p) => p?.symbol === 'GMX')!
    expect(gmx).toMatchObject({ asOf: '2026-03-18', currentPrice: 6.588, supplyDate: '2025-04-30' })
    expect(gmx.currentMarketCap).toBeNull()
    for (const s of gmx.scenarios) expect(s.base.upside).toBeCloseTo(s.base.price / 6.588 - 1, 12)
    const sushi = predictions.find((p) => p?.symbol === 'SUSHI')!
    expect(sushi).toMatchObject({ asOf: '2026-03-18', supplyDate: '2026-02-28' })
    expect(predictions.filter((p) => p !== null).length).toBeGreaterThanOrEqual(79)
    expect(predictions.find((p) => p?.symbol === 'BTC')!.shares.base).toBeGreaterThan(0.4)
  })

  it('token report for every asset: finite numbers and prose without placeholders', () => {
    const index = buildReturnIndex(candles)
    const reports = timed('buildTokenReport×81', timings, () =>
      symbols.map((s) => buildTokenReport(candles, tokens, s, { returnIndex: index })!),
    )
    for (const r of reports) {
      expectFiniteNumbers(r, r.symbol)
      expect(r.summary).not.toMatch(/\b(NaN|undefined|null)\b|\$-?Infinity|Infinity%/)
      expect(r.correlation.mostCorrelated).toHaveLength(3)
    }
    console.info('real-data timings (ms):', JSON.stringify(timings))
  })
})
