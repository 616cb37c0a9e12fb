import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import type { LocalAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdminKey } from '../../src/admin/key-store'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { loadDashboardAssets } from '../../src/ops/node/dashboard-assets'
import { createTestContext, listen, sampleCandles } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { signUsdcAuthorization, v2Header } from '../helpers/payments'

/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core), against the real app
 * on a real port, after real paid calls on the devnet. CI installs the browser (.ci/run); without one this fails.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts')
const KEY_STORAGE = 'x402-analytics.adminKey'
const TMAI = NETWORKS.devnet.tmai!

let devnet: TestDevnet
let ctx: Awaited<ReturnType<typeof createTestContext>>
let server: Awaited<ReturnType<typeof listen>>
let browser: BrowserContext
let profile: string
let readKey: string

const today = () => new Date().toISOString().slice(0, 10)

function payingFetch(payer: LocalAccount, token: 'usdc' | 'tmai' = 'usdc') {
  const client = new x402Client()
  registerExactEvmScheme(client, { signer: payer })
  if (token === 'tmai') {
    client.setSpendControls({
      allowedAssets: [
        { network: 'eip155:8453', asset: TMAI.address, maxAmountPerPayment: (50n * 10n ** 18n).toString() },
      ],
    })
  }
  const pay = wrapFetchWithPayment(fetch, client)
  return async (route: string) => {
    const res = await pay(`${server.url}${route}`, { headers: { 'x-payment-token': token } })
    expect(res.status, `${route} paid in ${token}`).toBe(200)
    await res.arrayBuffer()
  }
}

/** A day of traffic: USDC and TMAI payments on several endpoints, two refusals and one stuck settlement. */
async function makeTraffic() {
  const routes = [
    '/v1/daily-ohlcv?symbol=BTC&limit=5',
    '/v1/daily-ohlcv?symbol=ETH',
    '/v1/trader-grades?symbol=BTC',
  ]
  for (const index of [1, 2, 3]) {
    const pay = payingFetch(devnetAccount(index))
    for (const route of [...routes, ...routes]) await pay(route)
  }
  const payTmai = payingFetch(devnetAccount(4), 'tmai')
  await payTmai('/v1/daily-ohlcv?symbol=SOL')
  await payTmai('/v1/market-metrics')

  // A payer capped by the operator at $0.01 per call: refused, not charged.
  const { key: writeKey } = await createAdminKey(ctx.db, { name: 'ops-write', scope: 'write' })
  const capped = devnetAccount(7)
  const put = await ctx.app.request(`http://localhost/admin/spend-limits/${capped.address}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ maxUsdPerCall: '0.01' }),
  })
  expect(put.status).toBe(200)
  const refusedBySpend = await ctx.app.request('http://localhost/v1/daily-ohlcv?symbol=BTC', {
    headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(capped)) },
  })
  expect(await refusedBySpend.json()).toMatchObject({ error: 'spend_limit_exceeded' })
  // A forged signature: refused, not charged.
  const forged = await ctx.app.request('http://localhost/v1/daily-ohlcv?symbol=BTC', {
    headers: {
      'PAYMENT-SIGNATURE': v2Header(
        await signUsdcAuthorization(devnetAccount(8), { signer: devnetAccount(9) }),
      ),
    },
  })
  expect(await forged.json()).toMatchObject({ error: 'invalid_exact_evm_signature' })
  // A settlement whose block never comes in time: pending, with its transaction hash.
  await devnet.testClient.setAutomine(false)
  try {
    const stuck = await ctx.app.request('http://localhost/v1/daily-ohlcv?symbol=ETH&limit=3', {
      headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(devnetAccount(5))) },
    })
    expect(stuck.status).toBe(503)
  } finally {
    await devnet.testClient.setAutomine(true)
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (Debian/Ubuntu; .ci/run does this), or set CHROMIUM_PATH.`,
    )
  }
  devnet = await startTestDevnet()
  ctx = await createTestContext({
    rpcUrl: devnet.rpcUrl,
    seed: false,
    env: { SETTLEMENT_TIMEOUT_MS: '300' },
    app: { dashboard: loadDashboardAssets() },
  })
  await ctx.services.market.saveTokens([
    { symbol: 'BTC', name: 'Bitcoin', category: 'Layer 1' },
    { symbol: 'ETH', name: 'Ethereum', category: 'Layer 1' },
    { symbol: 'SOL', name: 'Solana', category: 'Layer 1' },
  ])
  await ctx.services.market.saveCandles('1d', sampleCandles(['BTC', 'ETH', 'SOL'], 60, today()), 'csv')
  server = await listen(ctx.app)
  await makeTraffic()
  readKey = (await createAdminKey(ctx.db, { name: 'dashboard', scope: 'read' })).key
  profile = mkdtempSync(path.join(tmpdir(), 'x402-chromium-'))
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (profile) rmSync(profile, { recursive: true, force: true })
  await server?.close()
  ctx?.close()
  await devnet?.stop()
})

/** Console errors and uncaught exceptions, as the page reports them. */
function watchConsole(page: Page) {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`))
  return errors
}

interface RevenueBody {
  data: { totals: { usdValueTotal: string } }
}
interface StatsBody {
  data: { assets: { assetSymbol: string; usdShareBasisPoints: number }[]; totals: { usdDiscount: string } }
}

async function adminGet<T>(route: string): Promise<T> {
  const res = await ctx.app.request(`http://localhost/admin${route}`, {
    headers: { authorization: `Bearer ${readKey}` },
  })
  expect(res.status).toBe(200)
  return (await res.json()) as T
}

/** "$1,234.50" → "1234.5"; "0.0153" → "0.0153": exact decimal text, trailing zeros dropped. */
const decimalOf = (text: string) =>
  text
    .replace(/[$,\s]/g, '')
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '')

/** Pixels of the canvas that are not transparent, and those close to a colour. */
async function canvasPixels(page: Page, selector: string, colours: Record<string, [number, number, number]>) {
  return page.$eval(
    selector,
    (canvas, targets) => {
      const c = canvas as HTMLCanvasElement
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height)
      const near: Record<string, number> = Object.fromEntries(Object.keys(targets).map((k) => [k, 0]))
      let painted = 0
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue
        painted++
        for (const [name, [r, g, b]] of Object.entries(targets)) {
          if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 24)
            near[name]!++
        }
      }
      return { painted, total: c.width * c.height, near }
    },
    colours,
  )
}

describe('the dashboard in Chromium', () => {
  it('refuses a wrong key with an error and shows no data', async () => {
    const page = await browser.newPage()
    const errors = watchConsole(page)
    await page.goto(`${server.url}/dashboard`)
    await page.locator('#login').waitFor({ state: 'visible' })
    // Not even shaped like a key: refused in the page, nothing sent.
    await page.fill('#admin-key', 'hunter2')
    await page.click('#sign-in')
    await expect.poll(() => page.textContent('#login-error')).toMatch(/does not look like an admin key/)
    // Well-formed but unknown: the server's 401 becomes an error, and no figure is filled in.
    await page.fill('#admin-key', `x4a_AAAAAAAAAA_${'B'.repeat(43)}`)
    await page.click('#sign-in')
    await expect.poll(() => page.textContent('#login-error')).toMatch(/key was refused/)
    expect(await page.isVisible('#dashboard')).toBe(false)
    expect(await page.isVisible('#login')).toBe(true)
    expect(await page.textContent('#kpi-revenue')).toBe('')
    expect(await page.locator('#payments tbody tr').count()).toBe(0)
    expect(await page.evaluate((k) => sessionStorage.getItem(k), KEY_STORAGE)).toBeNull()
    // The only console errors are the browser's own notes on the refused (401) requests.
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.every((e) => /status of 401/.test(e))).toBe(true)
    await page.close()
  })

  it('shows what /admin says: revenue, charts drawn, tables, paging; no console errors; a screenshot', async () => {
    const page = await browser.newPage()
    const errors = watchConsole(page)
    await page.goto(`${server.url}/dashboard`)
    await page.fill('#admin-key', readKey)
    await page.click('#sign-in')
    await page.locator('#dashboard').waitFor({ state: 'visible' })
    await expect.poll(() => page.textContent('#updated')).toMatch(/^updated /)

    // The revenue figure is /admin/revenue's, for the page's range and (all of today's traffic) for all time.
    const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10)
    const ranged = await adminGet<RevenueBody>(`/revenue?groupBy=token&from=${from}&to=${today()}`)
    const allTime = await adminGet<RevenueBody>('/revenue')
    const shown = decimalOf((await page.textContent('#kpi-revenue'))!)
    expect(shown).toBe(ranged.data.totals.usdValueTotal)
    expect(shown).toBe(allTime.data.totals.usdValueTotal)
    // 18 USDC calls at $0.017 and 2 TMAI calls worth $0.0153 and $0.0306 after the 10% discount.
    expect(allTime.data.totals.usdValueTotal).toBe('0.3519')
    expect(await page.textContent('#kpi-revenue-sub')).toMatch(/^20 settled payments/)
    const stats = await adminGet<StatsBody>('/stats/revenue')
    const tmaiShare = stats.data.assets.find((a) => a.assetSymbol === 'TMAI')!
    expect(await page.textContent('#kpi-tmai-share')).toBe(
      `${(tmaiShare.usdShareBasisPoints / 100).toFixed(2)} %`,
    )
    expect(await page.textContent('#kpi-discount')).toContain(`$${stats.data.totals.usdDiscount}`)
    expect(await page.textContent('#kpi-stuck-sub')).toBe('1 pending · 0 failed')
    expect(await page.textContent('#kpi-refused')).toBe('2')
    expect(await page.textContent('#kpi-data')).toBe('fresh')

    // Charts are drawn: the revenue bars show both tokens' colours, the other charts have ink on them.
    const revenue = await canvasPixels(page, '#revenue-chart', { usdc: [39, 117, 202], tmai: [240, 140, 0] })
    expect(revenue.painted).toBeGreaterThan(revenue.total * 0.02)
    expect(revenue.near.usdc).toBeGreaterThan(50)
    expect(revenue.near.tmai).toBeGreaterThan(20)
    const hourly = await canvasPixels(page, '#payments-chart', { settled: [43, 138, 62] })
    expect(hourly.near.settled).toBeGreaterThan(50)
    const refusals = await canvasPixels(page, '#refusals-chart', { bar: [132, 94, 247] })
    expect(refusals.near.bar).toBeGreaterThan(50)

    // Tables: by endpoint and token, the stuck settlement with its hash, the spend-limit refusal, freshness.
    const endpoints = await page.locator('#by-endpoint tbody tr td:first-child').allTextContents()
    expect(endpoints.sort()).toEqual(['/v1/daily-ohlcv', '/v1/market-metrics', '/v1/trader-grades'])
    const tokens = await page.locator('#by-token tbody tr').allTextContents()
    expect(tokens.join('\n')).toMatch(/TMAI.*2.*TMAI/)
    expect(tokens.join('\n')).toMatch(/USDC18.*0\.306 USDC\$0\.306/)
    const [pending] = (await ctx.payments({ state: 'pending' })) as { txHash: string | null }[]
    expect(await page.getAttribute('#settlements tbody tr td:nth-child(6)', 'title')).toBe(pending!.txHash)
    expect(await page.textContent('#settlements tbody tr td:nth-child(2)')).toBe('pending')
    expect(await page.getAttribute('#spend-refusals tbody tr td:nth-child(2)', 'title')).toBe(
      devnetAccount(7).address.toLowerCase(),
    )
    expect(await page.locator('#freshness tbody tr').first().textContent()).toMatch(/daily \(1d\)3180.*fresh/)

    // The payments table: 23 ledger rows, 20 a page; older, newer; a filter.
    await expect.poll(() => page.locator('#payments tbody tr').count()).toBe(20)
    await page.click('#older')
    await expect.poll(() => page.locator('#payments tbody tr').count()).toBe(3)
    expect(await page.textContent('#page-label')).toBe('page 2')
    await page.click('#newer')
    await expect.poll(() => page.locator('#payments tbody tr').count()).toBe(20)
    await page.selectOption('#filters select[name=state]', 'released')
    await page.click('#filters button[type=submit]')
    await expect.poll(() => page.locator('#payments tbody tr').count()).toBe(2)
    const reasons = await page.locator('#payments tbody tr td:last-child').allTextContents()
    expect(reasons.sort()).toEqual(['invalid_exact_evm_signature', 'spend_limit_exceeded'])
    await page.click('#filters button[type=reset]')
    await expect.poll(() => page.locator('#payments tbody tr').count()).toBe(20)

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true })
    expect(errors).toEqual([])

    // A filter the API refuses (400 naming the parameter) shows its message; nothing else breaks.
    await page.fill('#filters input[name=payer]', 'not-an-address')
    await page.click('#filters button[type=submit]')
    await expect.poll(() => page.textContent('#payments-error')).toMatch(/^payer: not an EVM address$/)
    expect(errors).toEqual([expect.stringMatching(/status of 400/)])

    // The key lives in this tab's sessionStorage only, and signing out forgets it and what it showed.
    expect(await page.evaluate(() => [localStorage.length, document.cookie])).toEqual([0, ''])
    await page.click('#sign-out')
    expect(await page.evaluate((k) => sessionStorage.getItem(k), KEY_STORAGE)).toBeNull()
    expect(await page.textContent('#kpi-revenue')).toBe('')
    expect(await page.isVisible('#login')).toBe(true)
    await page.close()
  })

  it('is served with a strict content security policy and works offline (no external requests)', async () => {
    const page = await browser.newPage()
    const external: string[] = []
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith('data:'))
        external.push(request.url())
    })
    const res = await page.goto(`${server.url}/dashboard`)
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'/)
    expect(res?.headers()['x-frame-options']).toBe('DENY')
    await page.fill('#admin-key', readKey)
    await page.click('#sign-in')
    await page.locator('#dashboard').waitFor({ state: 'visible' })
    expect(external).toEqual([])
    await page.close()
  })
})
