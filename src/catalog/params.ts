import { z } from 'zod'

const DATE = /^\d{4}-\d{2}-\d{2}$/

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
export const SymbolList = z
  .string()
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

export const Limit = z.coerce.number().int().min(1).max(100).default(50)
export const Page = z.coerce.number().int().min(1).default(1)

/** `symbol` or its alias `token_id` (our token ids are symbols). */
export const symbolsFrom = (input: { symbol?: string[] | undefined; token_id?: string[] | undefined }) =>
  input.symbol ?? input.token_id ?? []

export const SymbolSelector = {
  symbol: SymbolList.optional(),
  token_id: SymbolList.optional(),
}

export const requireSymbol = <T extends { symbol?: string[] | undefined; token_id?: string[] | undefined }>(
  schema: z.ZodType<T>,
) =>
  schema.refine((v) => (v.symbol?.length ?? 0) + (v.token_id?.length ?? 0) > 0, {
    message: 'symbol (or token_id) is required, e.g. symbol=BTC',
    path: ['symbol'],
  })

export const DateRange = {
  startDate: IsoDate.optional(),
  endDate: IsoDate.optional(),
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
const INDEX_ID_MESSAGE = 'index ids are lower-case letters, digits and dashes, e.g. top10 or sector-defi'

/** One index id (`top10`, `top50`, `sector-<category>`), case-insensitive. */
export const IndexId = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^,]*$/, 'exactly one index id, e.g. index=top10')
  .regex(INDEX_ID, INDEX_ID_MESSAGE)

/** Comma list of index ids, lower-cased, de-duplicated. */
export const IndexList = z
  .string()
  .transform((v) => [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.string().regex(INDEX_ID, INDEX_ID_MESSAGE)).min(1, 'at least one index id').max(100))
