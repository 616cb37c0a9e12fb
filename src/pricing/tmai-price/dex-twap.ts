/**
 * TMAI/USD from a Uniswap v3-style pool's TWAP (Uniswap v3 itself, Aerodrome Slipstream, forks with the same oracle):
 * `observe([window, 0])` → arithmetic mean tick → 1.0001^tick → USD through the quote token's fixed USD value.
 *
 * The pool must pair TMAI with a quote token of known USD value. For TMAI/USDC that value is the fixed "1".
 * A TMAI/WETH pool would need a second feed for ETH/USD (e.g. Chainlink on Base, with its own staleness check);
 * that is not built, so `quote.usd` is a constant here.
 */
import {
  type Address,
  BaseError,
  ContractFunctionZeroDataError,
  isAddressEqual,
  type PublicClient,
  parseAbi,
} from 'viem'
import { ChainUnavailableError, revertReason } from '../../chain/errors'
import { parseDecimal } from '../../lib/money'
import { type PriceReading, PriceSourceError, type PriceSourceErrorCode, type TmaiPriceSource } from './port'
import { arithmeticMeanTick, type Fraction, fractionToDecimal, priceAtTick } from './tick-math'

/** The oracle subset of IUniswapV3Pool we read. */
export const uniswapV3PoolOracleAbi = parseAbi([
  'function token0() view returns (address)',
  'function token1() view returns (address)',
  'function liquidity() view returns (uint128)',
  'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)',
  'function observe(uint32[] secondsAgos) view returns (int56[] tickCumulatives, uint160[] secondsPerLiquidityCumulativeX128s)',
])

export interface DexTwapSourceOptions {
  client: PublicClient
  /** The pool (`TMAI_POOL_ADDRESS`). */
  pool: Address
  tmai: { address: Address; decimals: number }
  /** The other token of the pool and its USD value ("1" for USDC). */
  quote: { address: Address; decimals: number; usd: string }
  /** TWAP window (`TMAI_TWAP_WINDOW_SECONDS`); the pool's observations must reach this far back. */
  windowSeconds: number
  /**
   * Minimum in-range liquidity (`liquidity()`, Uniswap's L = sqrt(x·y) in raw units) below which the price is too
   * cheap to move to trust (`TMAI_POOL_MIN_LIQUIDITY`).
   */
  minLiquidity: bigint
  /** Digits of the USD price string; the TWAP itself is only good to one tick (10^-4). @default 15 */
  significantDigits?: number
}

/**
 * @throws {PriceSourceError} `insufficient_history` (observe reverted `OLD`: the window reaches before the oldest
 *   observation), `low_liquidity`, `pool_mismatch` (the pool's tokens are not TMAI and the quote token),
 *   `misconfigured` (no pool contract at the address)
 * @throws {ChainUnavailableError} the RPC could not be asked
 */
export function createDexTwapPriceSource(options: DexTwapSourceOptions): TmaiPriceSource {
  const { client, pool, windowSeconds } = options
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds <= 0 || windowSeconds > 2 ** 32 - 1)
    throw new Error('dex-twap: windowSeconds must be a positive whole number of seconds')
  parseDecimal(options.quote.usd)
  const significantDigits = options.significantDigits ?? 15
  let tmaiIsToken0: boolean | undefined

  const fail = (code: PriceSourceErrorCode, message: string, cause?: unknown) =>
    new PriceSourceError({ source: 'dex-twap', code, message, cause })

  /** Maps a failed read to what it means for this source. */
  function explain(operation: string, error: unknown): Error {
    if (error instanceof PriceSourceError) return error
    if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionZeroDataError) !== null)
      return fail(
        'misconfigured',
        `no Uniswap v3-style pool at ${pool} (${operation} returned no data)`,
        error,
      )
    const reason = revertReason(error)
    if (reason === 'OLD' || reason?.endsWith(': OLD'))
      return fail(
        'insufficient_history',
        `pool ${pool} has no observation ${windowSeconds} s back (observe reverted OLD); wait for history, ` +
          'raise the observation cardinality or shorten the window',
        error,
      )
    if (reason !== undefined)
      return fail('pool_mismatch', `${operation} on ${pool} reverted: ${reason}`, error)
    return new ChainUnavailableError(`TMAI pool ${operation}`, { cause: error })
  }

  async function orientation(): Promise<boolean> {
    if (tmaiIsToken0 !== undefined) return tmaiIsToken0
    const [token0, token1] = await Promise.all([
      client.readContract({ address: pool, abi: uniswapV3PoolOracleAbi, functionName: 'token0' }),
      client.readContract({ address: pool, abi: uniswapV3PoolOracleAbi, functionName: 'token1' }),
    ])
    const { tmai, quote } = options
    if (isAddressEqual(token0, tmai.address) && isAddressEqual(token1, quote.address)) tmaiIsToken0 = true
    else if (isAddressEqual(token1, tmai.address) && isAddressEqual(token0, quote.address))
      tmaiIsToken0 = false
    else
      throw fail(
        'pool_mismatch',
        `pool ${pool} pairs ${token0}/${token1}, not TMAI ${tmai.address} with ${quote.address}`,
      )
    return tmaiIsToken0
  }

  async function read(): Promise<PriceReading> {
    let step = 'token0/token1'
    try {
      const isToken0 = await orientation()
      step = 'block'
      // One block for every read, so the observation, the liquidity and the timestamp agree.
      const block = await client.getBlock({ blockTag: 'latest' })
      const at = { address: pool, abi: uniswapV3PoolOracleAbi, blockNumber: block.number } as const
      step = 'observe/liquidity/slot0'
      const [observed, liquidity, slot0] = await Promise.all([
        client.readContract({ ...at, functionName: 'observe', args: [[windowSeconds, 0]] }),
        client.readContract({ ...at, functionName: 'liquidity' }),
        client.readContract({ ...at, functionName: 'slot0' }),
      ])
      if (liquidity < options.minLiquidity)
        throw fail(
          'low_liquidity',
          `pool ${pool} liquidity ${liquidity} is below the minimum ${options.minLiquidity}`,
        )
      const [cumulativeThen, cumulativeNow] = observed[0]
      if (cumulativeThen === undefined || cumulativeNow === undefined)
        throw fail(
          'pool_mismatch',
          `observe on ${pool} returned ${observed[0].length} tick cumulatives, not 2`,
        )
      const meanTick = arithmeticMeanTick([cumulativeThen, cumulativeNow], windowSeconds)
      const usd = fractionToDecimal(tmaiUsd(priceAtTick(meanTick), isToken0), significantDigits)
      return {
        usd,
        observedAt: Number(block.timestamp) * 1000,
        source: 'dex-twap',
        detail: {
          pool,
          windowSeconds,
          meanTick,
          spotTick: slot0[1],
          spotUsd: fractionToDecimal(tmaiUsd(priceAtTick(slot0[1]), isToken0), 6),
          liquidity: liquidity.toString(),
          blockNumber: block.number.toString(),
          quoteToken: options.quote.address,
          quoteUsd: options.quote.usd,
        },
      }
    } catch (error) {
      throw explain(step, error)
    }
  }

  /** USD per whole TMAI from price = raw token1 per raw token0. */
  function tmaiUsd(price: Fraction, isToken0: boolean): Fraction {
    const quoteUsd = parseDecimal(options.quote.usd)
    const shift = options.tmai.decimals - options.quote.decimals
    // Quote tokens per TMAI = price^±1 × 10^(tmaiDecimals − quoteDecimals).
    let numerator = (isToken0 ? price.numerator : price.denominator) * quoteUsd.numerator
    let denominator = (isToken0 ? price.denominator : price.numerator) * quoteUsd.denominator
    if (shift >= 0) numerator *= 10n ** BigInt(shift)
    else denominator *= 10n ** BigInt(-shift)
    return { numerator, denominator }
  }

  return { read }
}
