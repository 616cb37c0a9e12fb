/**
 * Deterministic SYNTHETIC demo dataset, so a first run works offline. It is not market data: whoever stores or
 * serves it must label it `meta.source = 'synthetic-demo'` ({@link SYNTHETIC_SOURCE}).
 *
 * Model: one hourly geometric Brownian motion per asset, `dlnP = (mu - sigma²/2)dt + sigma·sqrt(dt)·z`, with
 * `z = rho·zMarket + sqrt(1 - rho²)·zOwn`, so every asset loads on one shared market factor and pairwise
 * correlations come out near `rho_i·rho_j` (0.5-0.8 for majors, as in real crypto markets).
 * - Hourly bars: open = previous close, wicks are half-normal extensions beyond open/close.
 * - Daily bars aggregate their 24 hourly bars, so both intervals agree and OHLC is consistent by construction.
 * - Volume (USD) = daily turnover × market cap spread over hours, higher when |z| is large, with lognormal noise.
 * - Each path is rescaled so the last close equals the profile's reference price; market cap = close × a fixed
 *   plausible circulating supply (daily bars only; hourly `marketCap` is null as everywhere else).
 * Same options (seed, end date, lengths, universe) ⇒ identical output. Uses mulberry32, not Math.random.
 */
import type { Candle } from '../lib/candle'
import { DEFAULT_UNIVERSE, type UniverseAsset } from './default-universe'
import { toCandleTime } from './sources/time'

export const SYNTHETIC_SOURCE = 'synthetic-demo'

export interface SyntheticProfile {
  /** Reference USD price of the last close. */
  price: number
  circulatingSupply: number
  /** Annualised volatility of log returns. */
  annualVol: number
  /** Loading on the shared market factor, in [0, 1]. */
  marketCorrelation: number
  /** Daily volume as a fraction of market cap. */
  dailyTurnover: number
  /** Annualised drift of log price. @default 0.1 */
  annualDrift?: number
}

type ProfileRow = [price: number, supply: number, vol: number, rho: number, turnover: number]

/** Rough, plausible magnitudes for the default universe; demo inputs, not facts. */
const PROFILE_ROWS: Record<string, ProfileRow> = {
  BTC: [95_000, 19.8e6, 0.5, 0.9, 0.02],
  ETH: [3_300, 120.7e6, 0.65, 0.88, 0.04],
  XRP: [2.3, 57e9, 0.85, 0.7, 0.05],
  BNB: [650, 144e6, 0.5, 0.75, 0.02],
  SOL: [180, 480e6, 0.85, 0.82, 0.05],
  DOGE: [0.25, 147e9, 0.95, 0.75, 0.06],
  TRX: [0.25, 95e9, 0.55, 0.55, 0.03],
  ADA: [0.75, 35.5e9, 0.85, 0.8, 0.04],
  LINK: [18, 630e6, 0.85, 0.8, 0.05],
  AVAX: [30, 410e6, 0.9, 0.8, 0.05],
  XLM: [0.35, 30e9, 0.85, 0.7, 0.04],
  SUI: [3.5, 3.2e9, 1.1, 0.7, 0.08],
  TON: [5, 2.5e9, 0.8, 0.55, 0.03],
  HBAR: [0.25, 42e9, 0.95, 0.7, 0.04],
  BCH: [430, 19.8e6, 0.75, 0.8, 0.04],
  LTC: [95, 75e6, 0.75, 0.8, 0.06],
  SHIB: [0.000018, 589e12, 0.95, 0.75, 0.04],
  DOT: [6, 1.5e9, 0.85, 0.8, 0.04],
  UNI: [10, 600e6, 0.95, 0.78, 0.05],
  PEPE: [0.000012, 420.69e12, 1.2, 0.7, 0.12],
  AAVE: [250, 15e6, 0.95, 0.75, 0.08],
  NEAR: [4, 1.2e9, 1, 0.78, 0.06],
  APT: [8, 560e6, 1, 0.75, 0.05],
  ETC: [22, 150e6, 0.8, 0.78, 0.04],
  RENDER: [6, 518e6, 1.1, 0.72, 0.05],
  FET: [1, 2.6e9, 1.15, 0.72, 0.06],
  ATOM: [6, 390e6, 0.85, 0.78, 0.04],
  FIL: [4.5, 650e6, 0.9, 0.78, 0.05],
  ARB: [0.6, 4.5e9, 1, 0.78, 0.06],
  OP: [1.5, 1.7e9, 1, 0.8, 0.06],
  INJ: [20, 97e6, 1.05, 0.75, 0.06],
}

/** Used for assets outside the table (a custom universe). */
const FALLBACK_PROFILE: SyntheticProfile = {
  price: 1,
  circulatingSupply: 1e9,
  annualVol: 0.9,
  marketCorrelation: 0.7,
  dailyTurnover: 0.05,
}

export function syntheticProfile(symbol: string): SyntheticProfile {
  const row = PROFILE_ROWS[symbol]
  if (!row) return FALLBACK_PROFILE
  const [price, circulatingSupply, annualVol, marketCorrelation, dailyTurnover] = row
  return { price, circulatingSupply, annualVol, marketCorrelation, dailyTurnover }
}

export interface SyntheticDatasetOptions {
  /** Last daily bar (`YYYY-MM-DD`, UTC). Hourly bars end at 23:00 of that day. */
  endDate: string
  /** Daily bars per asset. @default 400 */
  days?: number
  /** Days of hourly bars (the last ones), at most `days`. @default 30 */
  hourlyDays?: number
  /** @default 402 */
  seed?: number
  /** @default DEFAULT_UNIVERSE */
  assets?: readonly Pick<UniverseAsset, 'symbol'>[]
  /** Per-symbol overrides of the built-in profiles. */
  profiles?: Record<string, SyntheticProfile>
}

export interface SyntheticDataset {
  /** Per asset (universe order), ascending: `days` bars each. */
  daily: Candle[]
  /** Per asset (universe order), ascending: `hourlyDays × 24` bars each. */
  hourly: Candle[]
}

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
const HOURS_PER_YEAR = 365 * 24

/** mulberry32: tiny, fast, 32-bit-state PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Standard normal draws (Box-Muller) from a uniform source. */
export function normalSampler(random: () => number): () => number {
  return () => {
    const u = 1 - random() // (0, 1], keeps log finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
  }
}

/** Bar in "unit" price space (path starts at 1); scaled to real prices once the last close is known. */
interface UnitBar {
  openMs: number
  open: number
  high: number
  low: number
  close: number
  /** Volume divided by (supply × scale): multiply by both to get USD. */
  volumeUnits: number
}

/** Generates the demo dataset. Pure and deterministic; ~300k hourly steps for the defaults, a few ms. */
export function generateSyntheticDataset(options: SyntheticDatasetOptions): SyntheticDataset {
  const days = options.days ?? 400
  const hourlyDays = options.hourlyDays ?? 30
  const assets = options.assets ?? DEFAULT_UNIVERSE
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.endDate) || Number.isNaN(Date.parse(options.endDate))) {
    throw new RangeError(`endDate must be YYYY-MM-DD, got ${JSON.stringify(options.endDate)}`)
  }
  if (!Number.isInteger(days) || days < 1) throw new RangeError('days must be a positive integer')
  if (!Number.isInteger(hourlyDays) || hourlyDays < 0 || hourlyDays > days) {
    throw new RangeError('hourlyDays must be an integer in 0..days')
  }

  const normal = normalSampler(mulberry32(options.seed ?? 402))
  const profiles = assets.map((a) => options.profiles?.[a.symbol] ?? syntheticProfile(a.symbol))
  const firstDayMs = Date.parse(options.endDate) - (days - 1) * DAY_MS
  const firstHourlyMs = firstDayMs + (days - hourlyDays) * DAY_MS
  const dt = 1 / HOURS_PER_YEAR

  const price = profiles.map(() => 1)
  const dailyBars: UnitBar[][] = profiles.map(() => [])
  const hourlyBars: UnitBar[][] = profiles.map(() => [])

  for (let hour = 0; hour < days * 24; hour++) {
    const openMs = firstDayMs + hour * HOUR_MS
    const zMarket = normal()
    profiles.forEach((profile, i) => {
      const sigma = profile.annualVol
      const rho = profile.marketCorrelation
      const z = rho * zMarket + Math.sqrt(1 - rho * rho) * normal()
      const mu = profile.annualDrift ?? 0.1
      const open = price[i]!
      const close = open * Math.exp((mu - (sigma * sigma) / 2) * dt + sigma * Math.sqrt(dt) * z)
      const wick = 0.5 * sigma * Math.sqrt(dt)
      const high = Math.max(open, close) * Math.exp(Math.abs(normal()) * wick)
      const low = Math.min(open, close) * Math.exp(-Math.abs(normal()) * wick)
      const activity = (0.6 + 0.4 * Math.abs(z)) * Math.exp(0.3 * normal() - 0.045)
      const volumeUnits = ((close * profile.dailyTurnover) / 24) * activity
      price[i] = close

      const bar = { openMs, open, high, low, close, volumeUnits }
      if (openMs >= firstHourlyMs) hourlyBars[i]!.push(bar)
      mergeIntoDay(dailyBars[i]!, bar, openMs - (openMs % DAY_MS))
    })
  }

  const daily: Candle[] = []
  const hourly: Candle[] = []
  assets.forEach(({ symbol }, i) => {
    const profile = profiles[i]!
    const scale = profile.price / price[i]!
    for (const bar of dailyBars[i]!) daily.push(toCandle(symbol, bar, scale, profile, 'daily'))
    for (const bar of hourlyBars[i]!) hourly.push(toCandle(symbol, bar, scale, profile, 'hourly'))
  })
  return { daily, hourly }
}

function mergeIntoDay(days: UnitBar[], hour: UnitBar, dayMs: number): void {
  const day = days.at(-1)
  if (day && day.openMs === dayMs) {
    day.high = Math.max(day.high, hour.high)
    day.low = Math.min(day.low, hour.low)
    day.close = hour.close
    day.volumeUnits += hour.volumeUnits
  } else {
    days.push({ ...hour, openMs: dayMs })
  }
}

/** Six significant digits: rounding is monotonic, so low <= open/close <= high survives it. */
const round6 = (value: number) => Number(value.toPrecision(6))
const roundCents = (value: number) => Math.round(value * 100) / 100

function toCandle(
  symbol: string,
  bar: UnitBar,
  scale: number,
  profile: SyntheticProfile,
  kind: 'daily' | 'hourly',
): Candle {
  const close = round6(bar.close * scale)
  return {
    symbol,
    time: toCandleTime(bar.openMs, kind === 'daily' ? '1d' : '1h'),
    open: round6(bar.open * scale),
    high: round6(bar.high * scale),
    low: round6(bar.low * scale),
    close,
    volume: roundCents(bar.volumeUnits * scale * profile.circulatingSupply),
    marketCap: kind === 'daily' ? Math.round(close * profile.circulatingSupply) : null,
  }
}
