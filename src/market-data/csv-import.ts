import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { NewToken } from '../db/schema'
import { Candle, type Interval } from '../lib/candle'
import type { MarketStore } from './store'

export interface CsvImportProgress {
  rows: number
  bytesRead: number
  totalBytes: number
}

export interface CsvImportSummary {
  file: string
  interval: Interval
  rows: number
  upserted: number
  /** Of `upserted`, rows that did not exist before. */
  inserted: number
  skipped: number
  symbols: number
  firstTime: string | null
  lastTime: string | null
  errors: string[]
  ms: number
}

export class CsvFormatError extends Error {
  override name = 'CsvFormatError'
}

/** Splits one CSV line; handles quoted fields with commas and doubled quotes. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      out.push(field)
      field = ''
    } else field += ch
  }
  out.push(field)
  return out
}

async function* csvRecords(
  file: string,
  onBytes: (n: number) => void,
): AsyncGenerator<Record<string, string>> {
  const stream = createReadStream(file, { encoding: 'utf8' })
  stream.on('data', (chunk) => onBytes(Buffer.byteLength(chunk as string)))
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  let header: string[] | undefined
  for await (const line of lines) {
    if (line.trim() === '') continue
    const fields = splitCsvLine(line)
    if (!header) {
      header = fields.map((f) => f.trim().replace(/^\uFEFF/, ''))
      continue
    }
    yield Object.fromEntries(header.map((name, i) => [name, (fields[i] ?? '').trim()]))
  }
}

const num = (value: string | undefined) => (value === undefined || value === '' ? Number.NaN : Number(value))

/**
 * Imports an OHLCV CSV in the format of ../shared/data (`symbol,date|timestamp,open,high,low,close,volume,market_cap`):
 * a `date` column means daily bars, `timestamp` hourly. Streams the file, upserts in chunks (idempotent: re-running
 * changes nothing), reports progress, and skips bad rows with a counted reason instead of aborting.
 */
export async function importOhlcvCsv(
  store: MarketStore,
  file: string,
  options: { onProgress?: (p: CsvImportProgress) => void; batchRows?: number } = {},
): Promise<CsvImportSummary> {
  const started = Date.now()
  const totalBytes = (await stat(file)).size
  let bytesRead = 0
  const batchRows = options.batchRows ?? 5000
  let interval: Interval | undefined
  let batch: Candle[] = []
  const symbols = new Set<string>()
  const summary: CsvImportSummary = {
    file,
    interval: '1d',
    rows: 0,
    upserted: 0,
    inserted: 0,
    skipped: 0,
    symbols: 0,
    firstTime: null,
    lastTime: null,
    errors: [],
    ms: 0,
  }
  const flush = async () => {
    if (batch.length === 0 || !interval) return
    summary.inserted += await store.saveCandles(interval, batch, 'csv')
    summary.upserted += batch.length
    batch = []
    options.onProgress?.({ rows: summary.rows, bytesRead, totalBytes })
  }
  for await (const record of csvRecords(file, (n) => {
    bytesRead += n
  })) {
    if (!interval) {
      if ('date' in record) interval = '1d'
      else if ('timestamp' in record) interval = '1h'
      else throw new CsvFormatError(`${file}: expected a 'date' or 'timestamp' column`)
      summary.interval = interval
    }
    summary.rows++
    const time = interval === '1d' ? record.date : normaliseHour(record.timestamp)
    const parsed = Candle.safeParse({
      symbol: record.symbol?.toUpperCase(),
      time,
      open: num(record.open),
      high: num(record.high),
      low: num(record.low),
      close: num(record.close),
      volume: num(record.volume),
      marketCap: record.market_cap ? num(record.market_cap) : null,
    })
    const validTime = interval === '1d' ? /^\d{4}-\d{2}-\d{2}$/.test(time ?? '') : time !== undefined
    if (!parsed.success || !validTime) {
      summary.skipped++
      if (summary.errors.length < 10) {
        const issue = parsed.success ? 'time' : parsed.error.issues[0]?.path.join('.')
        summary.errors.push(`row ${summary.rows + 1}: invalid ${issue}`)
      }
      continue
    }
    const candle = parsed.data
    symbols.add(candle.symbol)
    if (!summary.firstTime || candle.time < summary.firstTime) summary.firstTime = candle.time
    if (!summary.lastTime || candle.time > summary.lastTime) summary.lastTime = candle.time
    batch.push(candle)
    if (batch.length >= batchRows) await flush()
  }
  await flush()
  summary.symbols = symbols.size
  summary.ms = Date.now() - started
  return summary
}

function normaliseHour(value: string | undefined): string | undefined {
  if (!value) return undefined
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) return undefined
  return `${new Date(ms).toISOString().slice(0, 13)}:00:00Z`
}

/** Imports token metadata in the format of ../shared/data/tokens.csv (extra columns are ignored). */
export async function importTokensCsv(
  store: MarketStore,
  file: string,
): Promise<{ tokens: number; skipped: number }> {
  const rows: NewToken[] = []
  let skipped = 0
  for await (const record of csvRecords(file, () => {})) {
    const symbol = record.symbol?.toUpperCase()
    if (!symbol || !record.name) {
      skipped++
      continue
    }
    const orNull = (v: string | undefined) => (v ? v : null)
    rows.push({
      symbol,
      name: record.name,
      category: orNull(record.category),
      subcategory: orNull(record.subcategory),
      assetType: orNull(record.asset_type),
      homeChain: orNull(record.home_chain),
      contractAddress: orNull(record.contract_address),
      coingeckoId: orNull(record.coingecko_id),
    })
  }
  await store.saveTokens(rows)
  return { tokens: rows.length, skipped }
}
