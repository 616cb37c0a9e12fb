import { z } from 'zod'
import { MOONSHOT_DEFAULTS, type MoonshotRuleCheck, type MoonshotTrade } from '../../analytics/moonshots'
import { Limit, Page } from '../params'
import { pageOf, round2OrNull, universeMoonshots } from '../technical'
import { defineEndpoint } from '../types'
import { dailyUniverse } from '../universe'

const Rules = {
  MARKET_CAP: z.number().nullable(),
  TRADER_GRADE: z.number().min(0).max(100).nullable(),
  GRADE_CHANGE_7D: z.number().nullable(),
  VOLUME_RATIO: z.number().nullable(),
}

const MoonshotItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  STATUS: z.enum(['active', 'past']),
  ENTRY_DATE: z.string(),
  ENTRY_PRICE: z.number(),
  EXIT_DATE: z.string().nullable(),
  EXIT_PRICE: z.number().nullable(),
  EXIT_REASON: z.enum(['rules', 'maxHold']).nullable(),
  /** Last bar for an active pick, the exit day for a past one. */
  DATE: z.string(),
  PRICE: z.number(),
  ROI_SINCE_ENTRY: z.number(),
  BARS_HELD: z.number().int().min(0),
  ENTRY: z.object(Rules),
  /** Rule values on the last bar (active picks only). */
  CURRENT: z.object(Rules).nullable(),
})

const rules = (c: MoonshotRuleCheck) => ({
  MARKET_CAP: c.marketCap,
  TRADER_GRADE: round2OrNull(c.traderGrade),
  GRADE_CHANGE_7D: round2OrNull(c.gradeChange),
  VOLUME_RATIO: c.volumeRatio,
})

const d = MOONSHOT_DEFAULTS

export const moonshotTokensEndpoint = defineEndpoint({
  path: '/v1/moonshot-tokens',
  tier: 'tier3',
  summary: 'Moonshot picks: small caps with a rising trader grade on a volume surge',
  description:
    'Rule-based picks over the tracked universe on daily bars: market cap between 0 and ' +
    `$${d.maxMarketCap / 1e9}B, trader grade ≥ ${d.minGrade} and up ≥ ${d.minGradeRise} points over ` +
    `${d.gradeRiseBars} days, and ${d.volumeShortBars}-day mean volume ≥ ${d.volumeSurge}× the ` +
    `${d.volumeLongBars}-day mean. A pick is entered at the close of the first day all rules hold and exited at ` +
    `the close of the first day they stop holding or after ${d.maxHoldBars} days. past=false (default): the ` +
    'open picks as of the latest day, newest entry first, with ROI_SINCE_ENTRY = last close / ENTRY_PRICE − 1 and ' +
    'the rule values at entry (ENTRY) and now (CURRENT). past=true: closed picks, newest exit first, with ' +
    'EXIT_DATE, EXIT_PRICE, EXIT_REASON and the realised ROI_SINCE_ENTRY. `limit`/`page` walk the list. No ' +
    'current pick gives 404 `no_data` with a message; nothing is charged.',
  input: z.object({
    past: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    limit: Limit,
    page: Page,
  }),
  output: MoonshotItem,
  examples: {
    ok: { past: 'false', limit: '20' },
    badParameter: { query: { past: 'maybe' }, parameter: 'past' },
  },
  requiresMarketData: true,
  methodology:
    'Small cap + trader grade level and 7-day rise + 7/30-day volume surge on daily bars, no look-ahead; ROI full precision, grades rounded to 2 decimals (docs/methodology.md §T7).',
  async handle(input, { market }) {
    const [universe, result] = await Promise.all([dailyUniverse(market), universeMoonshots(market)])
    const name = (s: string) => universe.meta.get(s)?.name ?? s
    const base = (t: MoonshotTrade) => ({
      TOKEN_ID: t.symbol,
      TOKEN_NAME: name(t.symbol),
      TOKEN_SYMBOL: t.symbol,
      ENTRY_DATE: t.entryDate,
      ENTRY_PRICE: t.entryPrice,
      EXIT_DATE: t.exitDate,
      EXIT_PRICE: t.exitPrice,
      EXIT_REASON: t.exitReason,
      ROI_SINCE_ENTRY: t.roi,
      BARS_HELD: t.barsHeld,
      ENTRY: rules(t.entry),
    })
    const rows: z.infer<typeof MoonshotItem>[] = input.past
      ? result.past.map((t) => ({
          ...base(t),
          STATUS: 'past' as const,
          DATE: t.exitDate!,
          PRICE: t.exitPrice!,
          CURRENT: null,
        }))
      : result.active.map((t) => ({
          ...base(t),
          STATUS: 'active' as const,
          DATE: t.time,
          PRICE: t.price,
          CURRENT: rules(t.current),
        }))
    return {
      data: pageOf(rows, input.limit, input.page),
      message:
        rows.length === 0
          ? input.past
            ? `no closed moonshot picks up to ${result.asOf}`
            : `no active moonshot picks as of ${result.asOf}`
          : undefined,
      meta: { total: rows.length, page: input.page, limit: input.limit, picksAsOf: result.asOf },
    }
  },
})
