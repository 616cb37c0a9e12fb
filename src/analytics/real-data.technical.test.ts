/**
 * Invariants of the technical modules over the bundled real dataset (81 assets daily 2024-01-10 → 2026-03-18,
 * 20 assets hourly), when it sits beside the repository at ../shared/data. The data is read in place, never
 * copied into the project. Timings are logged, not asserted (shared CI machines are noisy).
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import * as ti from 'technicalindicators'
import { describe, expect, it } from 'vitest'
import type { Candle } from '../lib/candle'
import { ema, rsi } from './indicators'
import { investorGrades } from './investor-grade'
import { supportResistanceLevels } from './levels'
import { marketSentimentHistory, sentimentLabel } from './market-sentiment'
import { moonshots } from './moonshots'
import { gradeLabel, latestTraderGrade, traderGradeHistory } from './trader-grade'
import { latestTradingSignal, tradingSignalHistory } from './trading-signal'

const DATA_DIR = path.resolve(import.meta.dirname, '../../../shared/data')
const DAILY = path.join(DATA_DIR, 'daily_ohlcv.csv')
const HOURLY = path.join(DATA_DIR, 'hourly_ohlcv.csv')

/** Minimal CSV reader for `symbol,<time>,open,high,low,close,volume,market_cap` (no quoted fields). */
function loadCandles(file: string): Record<string, Candle[]> {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n')
  const columns = header!.split(',')
  const timeColumn = columns.indexOf('date') >= 0 ? columns.indexOf('date') : columns.indexOf('timestamp')
  const col = (name: string) => columns.indexOf(name)
  const [iSymbol, iOpen, iHigh, iLow, iClose, iVolume, iCap] = [
    'symbol',
    'open',
    'high',
    'low',
    'close',
    'volume',
    'market_cap',
  ].map(col) as [number, number, number, number, number, number, number]
  const out: Record<string, Candle[]> = {}
  for (const row of rows) {
    const cells = row.split(',')
    const symbol = cells[iSymbol]!
    out[symbol] ??= []
    out[symbol].push({
      symbol,
      time: cells[timeColumn]!,
      open: Number(cells[iOpen]),
      high: Number(cells[iHigh]),
      low: Number(cells[iLow]),
      close: Number(cells[iClose]),
      volume: Number(cells[iVolume]),
      marketCap: cells[iCap] ? Number(cells[iCap]) : null,
    })
  }
  return out
}

/** Every number anywhere in `value` is finite (JSON would silently turn NaN into null). */
function expectFiniteNumbers(value: unknown, where: string): void {
  if (typeof value === 'number') expect(Number.isFinite(value), where).toBe(true)
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) expectFiniteNumbers(value[i], `${where}[${i}]`)
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) expectFiniteNumbers(v, `${where}.${k}`)
  }
}

const inRange = (x: number) => x >= 0 && x <= 100

function timed<T>(label: string, timings: Record<string, number>, fn: () => T): T {
  const t0 = performance.now()
  const out = fn()
  timings[label] = Math.round((performance.now() - t0) * 10) / 10
  return out
}

describe.runIf(existsSync(DAILY))('technical analytics on the bundled real daily dataset', () => {
  const universe = loadCandles(DAILY)
  const symbols = Object.keys(universe)
  const timings: Record<string, number> = {}

  it('has the documented shape (81 assets ending 2026-03-18)', () => {
    expect(symbols).toHaveLength(81)
    expect(universe.BTC![universe.BTC!.length - 1]!.time).toBe('2026-03-18')
  })

  it('indicators agree with technicalindicators on real BTC closes', () => {
    const closes = universe.BTC!.map((c) => c.close)
    const ours = rsi(closes, 14).filter((v) => v !== null)
    const theirs = ti.RSI.calculate({ period: 14, values: closes })
    ours.forEach((v, i) => {
      expect(Math.abs(v! - theirs[i]!)).toBeLessThanOrEqual(0.005 + 1e-9)
    })
    const e = ema(closes, 50).filter((v) => v !== null)
    const te = ti.EMA.calculate({ period: 50, values: closes })
    for (let i = 500; i < te.length; i++) expect(Math.abs(e[i]! / te[i]! - 1)).toBeLessThan(1e-8)
  })

  it('trading signals: values in {-1, 0, 1}, lastChange where the signal changed, ROI by hand', () => {
    timed('tradingSignal×81', timings, () => symbols.map((s) => latestTradingSignal(universe[s]!)))
    for (const s of symbols) {
      const candles = universe[s]!
      const history = tradingSignalHistory(candles)
      const latest = latestTradingSignal(candles)!
      expectFiniteNumbers(latest, s)
      // One assertion per asset: expect() per bar would dominate the run time.
      expect(
        history.every((p) => p.signal === -1 || p.signal === 0 || p.signal === 1),
        s,
      ).toBe(true)
      const k = history.findIndex((p) => p.time === latest.lastChange)
      expect(
        history.slice(k).every((p) => p.signal === latest.signal),
        s,
      ).toBe(true)
      if (k > 0) expect(history[k - 1]!.signal, s).not.toBe(latest.signal)
      const changeBar = candles.find((c) => c.time === latest.lastChange)!
      expect(latest.roiSinceChange!, s).toBeCloseTo(
        candles[candles.length - 1]!.close / changeBar.close - 1,
        12,
      )
    }
  })

  it('trader grades: every bar of every asset inside [0, 100] with a consistent label', () => {
    const histories = timed('traderGradeHistory×81', timings, () =>
      symbols.map((s) => traderGradeHistory(universe[s]!)),
    )
    histories.forEach((history, k) => {
      expect(history.length, symbols[k]).toBeGreaterThan(0)
      const bad = history.filter(
        (g) =>
          !(inRange(g.traderGrade) && inRange(g.technicalGrade) && inRange(g.quantGrade)) ||
          g.label !== gradeLabel(g.traderGrade),
      )
      expect(bad, symbols[k]).toEqual([])
    })
    for (const s of symbols) expectFiniteNumbers(latestTraderGrade(universe[s]!), s)
  })

  it('investor grades: inside [0, 100]; assets younger than a year are flagged', () => {
    const grades = timed('investorGrades', timings, () => investorGrades(universe))
    expect(grades).toHaveLength(81)
    for (const g of grades) {
      expectFiniteNumbers({ ...g, investorGrade: g.investorGrade ?? 0 }, g.symbol)
      expect(g.investorGrade, g.symbol).not.toBeNull()
      expect(inRange(g.investorGrade!), g.symbol).toBe(true)
      expect(g.insufficientHistory, g.symbol).toBe(g.historyDays < 365)
    }
    const flagged = grades.filter((g) => g.insufficientHistory).map((g) => g.symbol)
    // Listed on Binance perps within the last year of the dataset (SOURCES.md §1).
    expect(flagged).toEqual(expect.arrayContaining(['HYPE']))
    expect(flagged).not.toContain('BTC')
  })

  it('market sentiment: daily history in [0, 100] with consistent labels', () => {
    const history = timed('marketSentimentHistory', timings, () => marketSentimentHistory(universe))
    expect(history[history.length - 1]!.time).toBe('2026-03-18')
    const scored = history.filter((p) => p.score !== null)
    expect(scored.length).toBeGreaterThan(700)
    const bad = scored.filter(
      (p) =>
        !inRange(p.score!) ||
        p.label !== sentimentLabel(p.score!) ||
        Object.values(p.components).some((c) => c.score !== null && !inRange(c.score)),
    )
    expect(bad).toEqual([])
    // A full year of BTC volatility exists by 2025-02 (2024-01-10 + 30 + 90 days at the latest).
    expect(history.find((p) => p.time === '2025-03-01')!.components.volatility.score).not.toBeNull()
  })

  it('levels: touches >= 1, sorted by proximity, typed against the last close', () => {
    const results = timed('levels×81', timings, () =>
      symbols.map((s) => supportResistanceLevels(universe[s]!)),
    )
    for (const r of results) {
      expect(r).not.toBeNull()
      expectFiniteNumbers(r, r!.symbol)
      expect(r!.levels.length, r!.symbol).toBeGreaterThan(0)
      const distances = r!.levels.map((l) => Math.abs(l.price - r!.close))
      expect([...distances].sort((a, b) => a - b)).toEqual(distances)
      for (const l of r!.levels) {
        expect(l.touches).toBeGreaterThanOrEqual(1)
        expect(l.type).toBe(l.price >= r!.close ? 'resistance' : 'support')
      }
    }
  })

  it('moonshots: every entry satisfied all rules, ROI reproduces, active picks are on asOf', () => {
    const result = timed('moonshots', timings, () => moonshots(universe))
    expect(result.asOf).toBe('2026-03-18')
    const all = [...result.active, ...result.past]
    expect(result.past.length).toBeGreaterThan(0)
    for (const p of all) {
      const e = p.entry
      expect(e.holds && e.marketCap! < 5e9 && e.traderGrade! >= 60, p.symbol).toBe(true)
      expect(e.gradeChange! >= 10 && e.volumeRatio! >= 1.5, p.symbol).toBe(true)
      const candles = universe[p.symbol]!
      const entry = candles.find((c) => c.time === p.entryDate)!
      const exit =
        p.exitDate === null ? candles[candles.length - 1]! : candles.find((c) => c.time === p.exitDate)!
      expect(p.roi).toBeCloseTo(exit.close / entry.close - 1, 12)
      expect(p.barsHeld).toBeLessThanOrEqual(30)
    }
    for (const a of result.active) expect(a.time).toBe('2026-03-18')
  })

  it('logs timings', () => {
    console.info('technical real-data timings (ms):', JSON.stringify(timings))
    expect(Object.keys(timings).length).toBeGreaterThan(0)
  })
})

describe.runIf(existsSync(HOURLY))('trading signal on the bundled real hourly dataset', () => {
  it('works unchanged on hourly bars', () => {
    const hourly = loadCandles(HOURLY)
    expect(Object.keys(hourly)).toHaveLength(20)
    for (const [s, candles] of Object.entries(hourly)) {
      const latest = latestTradingSignal(candles)!
      expect(latest.time, s).toMatch(/T\d{2}:00:00Z$/)
      expect([-1, 0, 1]).toContain(latest.signal)
      expectFiniteNumbers(latest, s)
    }
  })
})
