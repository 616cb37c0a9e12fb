/**
 * The dex-twap TMAI price source against a real Uniswap v3 pool on the devnet: the factory is deployed from
 * @uniswap/v3-core's compiled artifact, a TMAI/USDC pool is created at 0.0007 USD/TMAI, liquidity is added through a
 * small callback helper compiled here with solc, and time is moved with anvil so the oracle accumulates history.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import solc from 'solc'
import {
  type Abi,
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  type PublicClient,
  parseAbi,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChainUnavailableError } from '../../src/chain/errors'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { parseDecimal } from '../../src/lib/money'
import { quoteTokenAmount } from '../../src/pricing/quote'
import { createDexTwapPriceSource, type DexTwapSourceOptions } from '../../src/pricing/tmai-price/dex-twap'
import { createGuardedPriceFeed, PriceSourceError } from '../../src/pricing/tmai-price/port'
import { priceAtTick } from '../../src/pricing/tmai-price/tick-math'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'

const require = createRequire(import.meta.url)
const TMAI = NETWORKS.devnet.tmai!
const USDC = NETWORKS.devnet.usdc
const WETH: Address = '0x4200000000000000000000000000000000000006'
const TARGET_USD = '0.0007'
const WINDOW = 1800
// Full range for fee 3000 (tick spacing 60).
const TICK_LOWER = -887220
const TICK_UPPER = 887220
const LIQUIDITY = 10n ** 16n // about 265 USDC and 378,000 TMAI at 0.0007
const MIN_SQRT_RATIO = 4295128739n
const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n

const factoryAbi = parseAbi([
  'function createPool(address tokenA, address tokenB, uint24 fee) returns (address pool)',
  'function getPool(address tokenA, address tokenB, uint24 fee) view returns (address pool)',
])
const poolAbi = parseAbi([
  'function initialize(uint160 sqrtPriceX96)',
  'function increaseObservationCardinalityNext(uint16 observationCardinalityNext)',
  'function token0() view returns (address)',
  'function liquidity() view returns (uint128)',
  'function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)',
])
const helperAbi = parseAbi([
  'function mint(address pool, int24 tickLower, int24 tickUpper, uint128 amount) returns (uint256 amount0, uint256 amount1)',
  'function swap(address pool, bool zeroForOne, int256 amountSpecified, uint160 sqrtPriceLimitX96) returns (int256 amount0, int256 amount1)',
])
const mintAbi = parseAbi(['function mint(address to, uint256 amount)'])

let devnet: TestDevnet
let client: PublicClient
let wallet: ReturnType<typeof deployerWallet>
let helper: Address
let pool: Address

function deployerWallet(rpcUrl: string, chain: TestDevnet['chain']) {
  return createWalletClient({ chain, account: devnetAccount(0), transport: http(rpcUrl) })
}

async function send(hash: Hex) {
  const receipt = await client.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`)
  return receipt
}

async function deploy(abi: Abi, bytecode: Hex): Promise<Address> {
  const receipt = await send(await wallet.deployContract({ abi, bytecode }))
  return receipt.contractAddress!
}

function compileHelper(): { abi: Abi; bytecode: Hex } {
  const file = path.resolve(import.meta.dirname, '../../contracts/test/UniswapV3MintHelper.sol')
  const input = {
    language: 'Solidity',
    sources: { 'UniswapV3MintHelper.sol': { content: readFileSync(file, 'utf8') } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const compiled = output.contracts['UniswapV3MintHelper.sol']!.UniswapV3MintHelper!
  return { abi: compiled.abi, bytecode: `0x${compiled.evm.bytecode.object}` }
}

/** Integer square root (floor), Newton's method. */
function isqrt(value: bigint): bigint {
  if (value < 2n) return value
  let x = value
  let y = (x + 1n) >> 1n
  while (y < x) {
    x = y
    y = (x + value / x) >> 1n
  }
  return x
}

/** sqrtPriceX96 for a USD/TMAI price against USDC (= 1 USD), whichever token sorts first. */
function sqrtPriceX96For(tmaiUsd: string, tmaiIsToken0: boolean): bigint {
  const { numerator, denominator } = parseDecimal(tmaiUsd)
  // raw token1 per raw token0: TMAI as token0 → USDC_raw per TMAI_raw = usd × 10^6 / 10^18
  const shift = 10n ** BigInt(TMAI.decimals - USDC.decimals)
  const [top, bottom] = tmaiIsToken0 ? [numerator, denominator * shift] : [denominator * shift, numerator]
  return isqrt((top << 192n) / bottom)
}

async function createPool(factory: Address, fee: number, tmaiUsd: string): Promise<Address> {
  await send(
    await wallet.writeContract({
      address: factory,
      abi: factoryAbi,
      functionName: 'createPool',
      args: [TMAI.address, USDC.address, fee],
    }),
  )
  const address = await client.readContract({
    address: factory,
    abi: factoryAbi,
    functionName: 'getPool',
    args: [TMAI.address, USDC.address, fee],
  })
  const token0 = await client.readContract({ address, abi: poolAbi, functionName: 'token0' })
  const sqrtPriceX96 = sqrtPriceX96For(tmaiUsd, getAddress(token0) === getAddress(TMAI.address))
  await send(
    await wallet.writeContract({ address, abi: poolAbi, functionName: 'initialize', args: [sqrtPriceX96] }),
  )
  return address
}

async function chainNowMs(): Promise<number> {
  return Number((await client.getBlock({ blockTag: 'latest' })).timestamp) * 1000
}

async function advance(seconds: number): Promise<void> {
  await devnet.testClient.increaseTime({ seconds })
  await devnet.testClient.mine({ blocks: 1 })
}

function source(overrides: Partial<DexTwapSourceOptions> = {}) {
  return createDexTwapPriceSource({
    client,
    pool,
    tmai: TMAI,
    quote: { address: USDC.address, decimals: USDC.decimals, usd: '1' },
    windowSeconds: WINDOW,
    minLiquidity: LIQUIDITY,
    ...overrides,
  })
}

/** |usd / target − 1| as a fraction of bigints compared against `tolerance` (both decimal strings). */
function within(usd: string, target: string, tolerance: string): boolean {
  const a = parseDecimal(usd)
  const t = parseDecimal(target)
  const tol = parseDecimal(tolerance)
  // |a.n·t.d − t.n·a.d| / (t.n·a.d) ≤ tol.n / tol.d
  const diff = a.numerator * t.denominator - t.numerator * a.denominator
  const abs = diff < 0n ? -diff : diff
  return abs * tol.denominator <= tol.numerator * t.numerator * a.denominator
}

let factory: Address
beforeAll(async () => {
  devnet = await startTestDevnet()
  client = devnet.client as PublicClient
  wallet = deployerWallet(devnet.rpcUrl, devnet.chain)
  const factoryArtifact = JSON.parse(
    readFileSync(
      require.resolve('@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json'),
      'utf8',
    ),
  ) as { abi: Abi; bytecode: Hex }
  factory = await deploy(factoryArtifact.abi, factoryArtifact.bytecode)
  const compiled = compileHelper()
  helper = await deploy(compiled.abi, compiled.bytecode)
  // Account 0 owns both devnet tokens: fund the helper, which pays the pool's callbacks.
  await send(
    await wallet.writeContract({
      address: USDC.address,
      abi: mintAbi,
      functionName: 'mint',
      args: [helper, 100_000n * 10n ** 6n],
    }),
  )
  await send(
    await wallet.writeContract({
      address: TMAI.address,
      abi: mintAbi,
      functionName: 'mint',
      args: [helper, 10n ** 9n * 10n ** 18n],
    }),
  )

  pool = await createPool(factory, 3000, TARGET_USD)
  await send(
    await wallet.writeContract({
      address: pool,
      abi: poolAbi,
      functionName: 'increaseObservationCardinalityNext',
      args: [64],
    }),
  )
  await send(
    await wallet.writeContract({
      address: helper,
      abi: helperAbi,
      functionName: 'mint',
      args: [pool, TICK_LOWER, TICK_UPPER, LIQUIDITY],
    }),
  )
}, 120_000)

afterAll(async () => {
  await devnet?.stop()
})

describe('dex-twap on a real Uniswap v3 TMAI/USDC pool', () => {
  it('a pool whose history does not reach back one window is unavailable (observe reverts OLD), not thrown', async () => {
    const young = await createPool(factory, 500, TARGET_USD)
    const error = await source({ pool: young, minLiquidity: 0n })
      .read()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PriceSourceError)
    expect(error).toMatchObject({ code: 'insufficient_history', source: 'dex-twap' })

    const feed = createGuardedPriceFeed(source({ pool: young, minLiquidity: 0n }), {
      maxAgeMs: 300_000,
      minUsd: '0.00001',
      maxUsd: '1',
      now: () => Date.now(),
    })
    const result = await feed.current()
    expect(result).toEqual({
      ok: false,
      reason: 'unavailable',
      message: `dex-twap: pool ${young} has no observation 1800 s back (observe reverted OLD); wait for history, raise the observation cardinality or shorten the window`,
    })
  })

  it('the initialised tick brackets the pool price exactly as our tick maths says', async () => {
    const [sqrtPriceX96, tick] = await client.readContract({
      address: pool,
      abi: poolAbi,
      functionName: 'slot0',
    })
    const price = { numerator: sqrtPriceX96 * sqrtPriceX96, denominator: 1n << 192n }
    const low = priceAtTick(tick)
    const high = priceAtTick(tick + 1)
    expect(low.numerator * price.denominator <= price.numerator * low.denominator).toBe(true)
    expect(price.numerator * high.denominator < high.numerator * price.denominator).toBe(true)
  })

  it('after a window of history the TWAP is within 0.1% of 0.0007 USD/TMAI and quotes like the fixed rate', async () => {
    await advance(WINDOW + 600)
    const now = await chainNowMs()
    const reading = await source().read()
    expect(reading.source).toBe('dex-twap')
    expect(reading.observedAt).toBe(now)
    expect(within(reading.usd, TARGET_USD, '0.001')).toBe(true)
    // One tick is 0.01%: the TWAP lands within a tick of the target.
    expect(within(reading.usd, TARGET_USD, '0.0001')).toBe(true)
    expect(reading.detail).toMatchObject({
      pool,
      windowSeconds: WINDOW,
      liquidity: LIQUIDITY.toString(),
      quoteToken: USDC.address,
      quoteUsd: '1',
    })
    expect(reading.detail?.meanTick).toBe(reading.detail?.spotTick)

    const feed = createGuardedPriceFeed(source(), {
      maxAgeMs: 300_000,
      minUsd: '0.00001',
      maxUsd: '1',
      now: () => now,
    })
    const result = await feed.current()
    expect(result).toMatchObject({ ok: true, usd: reading.usd, source: 'dex-twap' })
    const atTwap = quoteTokenAmount({
      usdPrice: '0.017',
      discount: '0.10',
      tokenUsd: reading.usd,
      decimals: 18,
    })
    const atFixed = 21_857_142_857_142_857_143n
    const gap = atTwap > atFixed ? atTwap - atFixed : atFixed - atTwap
    expect(gap * 1000n < atFixed).toBe(true) // within 0.1%
  })

  it('a price pushed by a swap barely moves the TWAP at first, and is fully in it one window later', async () => {
    const before = await source().read()
    const token0 = await client.readContract({ address: pool, abi: poolAbi, functionName: 'token0' })
    const usdcIsToken0 = getAddress(token0) === getAddress(USDC.address)
    // Buy TMAI with 100 USDC: TMAI's USD price roughly doubles in this thin pool.
    await send(
      await wallet.writeContract({
        address: helper,
        abi: helperAbi,
        functionName: 'swap',
        args: [
          pool,
          usdcIsToken0,
          100n * 10n ** 6n,
          usdcIsToken0 ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n,
        ],
      }),
    )
    const justAfter = await source().read()
    expect(Number(justAfter.detail?.spotUsd)).toBeGreaterThan(0.0012)
    expect(within(justAfter.usd, before.usd, '0.002')).toBe(true)

    await advance(WINDOW + 60)
    const later = await source().read()
    expect(later.detail?.meanTick).toBe(later.detail?.spotTick)
    expect(within(later.usd, String(later.detail?.spotUsd), '0.0001')).toBe(true)
    expect(Number(later.usd)).toBeGreaterThan(0.0012)
  })

  it('liquidity below the minimum is refused, and reported as unavailable', async () => {
    const error = await source({ minLiquidity: LIQUIDITY + 1n })
      .read()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'low_liquidity' })
    const feed = createGuardedPriceFeed(source({ minLiquidity: LIQUIDITY + 1n }), {
      maxAgeMs: 300_000,
      minUsd: '0.00001',
      maxUsd: '1',
      now: await chainNowMs().then((t) => () => t),
    })
    expect(await feed.current()).toEqual({
      ok: false,
      reason: 'unavailable',
      message: `dex-twap: pool ${pool} liquidity ${LIQUIDITY} is below the minimum ${LIQUIDITY + 1n}`,
    })
    expect(await source({ minLiquidity: LIQUIDITY }).read()).toMatchObject({ source: 'dex-twap' })
  })

  it('a pool of other tokens, a non-pool and a dead RPC each fail with their own typed error', async () => {
    const wrongQuote = await source({ quote: { address: WETH, decimals: 18, usd: '1' } })
      .read()
      .catch((e: unknown) => e)
    expect(wrongQuote).toMatchObject({ code: 'pool_mismatch' })
    expect((wrongQuote as Error).message).toMatch(/not TMAI/)

    const noCode = await source({ pool: '0x000000000000000000000000000000000000dEaD' })
      .read()
      .catch((e: unknown) => e)
    expect(noCode).toMatchObject({ code: 'misconfigured' })

    const dead = createPublicClient({
      transport: http('http://127.0.0.1:9', { retryCount: 0, timeout: 1_000 }),
    })
    const down = await source({ client: dead as PublicClient })
      .read()
      .catch((e: unknown) => e)
    expect(down).toBeInstanceOf(ChainUnavailableError)
  })
})
