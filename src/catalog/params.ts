import { z } from 'zod'

const DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * The longest value any query parameter may have, whatever its schema (checked by every endpoint's parse before the
 * schema runs): nothing a client sends can make a parameter, a cache key or an error message large. The schemas below
 * set tighter caps where a parameter has a natural size.
 */
export const MAX_PARAM_CHARS = 2_048

/** The first query parameter longer than {@link MAX_PARAM_CHARS}, if any. */
export function oversizedParameter(query: Record<string, string>): string | undefined {
  return Object.keys(query).find((name) => (query[name]?.length ?? 0) > MAX_PARAM_CHARS)
}

/** A string parameter of at most `max` characters (as sent, before trimming). */
const boundedString = (max: number) => z.string().max(max, `at most ${max} characters`)

/** Up to 100 symbols of up to 15 characters, their commas and some spaces. */
const SYMBOL_LIST_MAX_CHARS = 2_000
/** Token categories are short labels ("Layer 1", "DeFi"). */
const CATEGORY_MAX_CHARS = 64
const INDEX_LIST_MAX_CHARS = 2_000

/** `YYYY-MM-DD` that is a real calendar date. */
export const IsoDate = z
  .string()
  .regex(DATE, 'must be YYYY-MM-DD')
  .refine(
    (v) =>
      !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    'not a calendar date',
  )

/** Comma list of symbols (`BTC,ETH`), upper-cased, de-duplicated. */
export const SymbolList = boundedString(SYMBOL_LIST_MAX_CHARS)
  .transform((v) => [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean),
    ),
  ])
  .pipe(
    z
      .array(z.string().regex(/^[A-Z0-9]{1,15}$/, 'symbols are 1–15 letters or digits'))
      .min(1, 'at least one symbol')
      .max(100),
  )

export const Limit = z.coerce.number().int().min(1).max(100).default(50).describe('rows per page (1–100)')
export const Page = z.coerce.number().int().min(1).default(1).describe('page number, from 1')

/** `symbol` or its alias `token_id` (our token ids are symbols). */
export const symbolsFrom = (input: { symbol?: string[] | undefined; token_id?: string[] | undefined }) =>
  input.symbol ?? input.token_id ?? []

export const SymbolSelector = {
  symbol: SymbolList.optional().describe('comma list of token symbols, e.g. BTC,ETH'),
  token_id: SymbolList.optional().describe('alias of symbol (token ids here are symbols)'),
}

export const requireSymbol = <T extends { symbol?: string[] | undefined; token_id?: string[] | undefined }>(
  schema: z.ZodType<T>,
) =>
  schema.refine((v) => (v.symbol?.length ?? 0) + (v.token_id?.length ?? 0) > 0, {
    message: 'symbol (or token_id) is required, e.g. symbol=BTC',
    path: ['symbol'],
  })

export const DateRange = {
  startDate: IsoDate.optional().describe('first UTC day, YYYY-MM-DD'),
  endDate: IsoDate.optional().describe('last UTC day, YYYY-MM-DD'),
}

export const dateOrderOk = (v: { startDate?: string | undefined; endDate?: string | undefined }) =>
  !v.startDate || !v.endDate || v.startDate <= v.endDate

/** Like {@link requireSymbol}, for endpoints about exactly one asset. */
export const requireOneSymbol = <
  T extends { symbol?: string[] | undefined; token_id?: string[] | undefined },
>(
  schema: z.ZodType<T>,
) =>
  requireSymbol(schema).refine((v) => symbolsFrom(v).length === 1, {
    message: 'exactly one symbol, e.g. symbol=ETH',
    path: ['symbol'],
  })

const INDEX_ID = /^[a-z0-9][a-z0-9-]{0,63}$/
/** An index id is at most 64 characters; a few surrounding spaces are forgiven. */
const INDEX_ID_MAX_CHARS = 80
const INDEX_ID_MESSAGE = 'index ids are lower-case letters, digits and dashes, e.g. top10 or sector-defi'

/** One index id (`top10`, `top50`, `sector-<category>`), case-insensitive. */
export const IndexId = boundedString(INDEX_ID_MAX_CHARS)
  .trim()
  .toLowerCase()
  .regex(/^[^,]*$/, 'exactly one index id, e.g. index=top10')
  .regex(INDEX_ID, INDEX_ID_MESSAGE)

/** Comma list of index ids, lower-cased, de-duplicated. */
export const IndexList = boundedString(INDEX_LIST_MAX_CHARS)
  .transform((v) => [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.string().regex(INDEX_ID, INDEX_ID_MESSAGE)).min(1, 'at least one index id').max(100))

/** A token category to filter by (`Layer 1`), compared case-insensitively. */
export const Category = boundedString(CATEGORY_MAX_CHARS).trim()
