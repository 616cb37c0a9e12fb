/**
 * Host poisoning and response headers, through the real app: a request's `Host` may shape the URLs we publish (402
 * resource URLs, OpenAPI `servers`, /.well-known/x402, llms.txt, GET /) only on the devnet and only as a loopback
 * name; whatever is derived from the request says so to caches (`Vary: Host`, never shared); outside the devnet
 * PUBLIC_URL is required at boot. The browser 402 page carries a CSP and `nosniff`.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, parseEnv } from '../../src/config/env'
import { devnetAccount, devnetPrivateKey } from '../../src/devnet/accounts'
import { PAYMENT_PAGE_STYLE } from '../../src/http/discovery/payment-page'
import { startNode } from '../../src/node'
import { createTestContext, listen } from '../helpers/context'
import { decodeHeaderJson } from '../helpers/payments'

const DOCUMENTS = ['/', '/openapi.json', '/.well-known/x402', '/llms.txt'] as const
const PAID = '/v1/daily-ohlcv?symbol=ETH&limit=2'
const BROWSER = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

type Ctx = Awaited<ReturnType<typeof createTestContext>>

/** Everything a client can read of an answer: status, headers and body. */
async function readAll(ctx: Ctx, url: string, headers: Record<string, string> = {}) {
  const res = await ctx.app.request(url, { headers })
  const text = await res.text()
  const lines: string[] = []
  res.headers.forEach((value, name) => {
    lines.push(`${name}: ${value}`)
  })
  return { res, all: `${lines.join('\n')}\n${text}` }
}

describe('on the devnet without PUBLIC_URL', () => {
  let ctx: Ctx
  beforeAll(async () => {
    ctx = await createTestContext({
      rpcUrl: 'http://127.0.0.1:9',
      env: { LOG_LEVEL: 'silent', PORT: '4021' },
    })
  })
  afterAll(() => ctx?.close())

  it('a non-loopback Host never reaches a published URL: the loopback default stands in for it', async () => {
    for (const host of ['evil.example', 'evil.example:8080', '10.0.0.5', 'localhost.evil.example']) {
      for (const target of [...DOCUMENTS, PAID]) {
        const { res, all } = await readAll(ctx, `http://${host}${target}`)
        expect(all, `${host}${target}`).not.toContain('evil')
        expect(all, `${host}${target}`).not.toContain('10.0.0.5')
        if (target === '/openapi.json') {
          expect(JSON.parse(all.slice(all.indexOf('\n{') + 1)).servers).toEqual([
            { url: 'http://127.0.0.1:4021' },
          ])
        }
        if (target === PAID) {
          const v2 = decodeHeaderJson(res.headers.get('payment-required')) as { resource: { url: string } }
          expect(v2.resource.url).toBe(`http://127.0.0.1:4021${PAID}`)
        }
      }
      const page = await readAll(ctx, `http://${host}${PAID}`, BROWSER)
      expect(page.all).not.toContain('evil')
    }
  })

  it('a loopback Host is used as it came (any port), so local clients get URLs they can reach', async () => {
    for (const origin of [
      'http://localhost:8080',
      'http://127.0.0.1:5555',
      'http://127.8.9.10',
      'http://[::1]:4021',
    ]) {
      const openapi = (await (await ctx.app.request(`${origin}/openapi.json`)).json()) as {
        servers: { url: string }[]
      }
      expect(openapi.servers).toEqual([{ url: origin }])
      const challenge = await ctx.app.request(`${origin}${PAID}`)
      const v2 = decodeHeaderJson(challenge.headers.get('payment-required')) as { resource: { url: string } }
      expect(v2.resource.url).toBe(`${origin}${PAID}`)
    }
  })

  it('documents derived from the request are never stored by shared caches and vary by Host', async () => {
    for (const target of DOCUMENTS) {
      const res = await ctx.app.request(`http://localhost${target}`)
      expect(res.status, target).toBe(200)
      expect(res.headers.get('cache-control'), target).toBe('private, max-age=300')
      expect(res.headers.get('vary'), target).toMatch(/\bHost\b/)
    }
    const challenge = await ctx.app.request(`http://localhost${PAID}`)
    expect(challenge.status).toBe(402)
    expect(challenge.headers.get('cache-control')).toBe('no-store')
    expect(challenge.headers.get('vary')).toMatch(/\bHost\b/)
    const page = await ctx.app.request(`http://localhost${PAID}`, { headers: BROWSER })
    expect(page.headers.get('vary')).toMatch(/\bAccept\b/)
    expect(page.headers.get('vary')).toMatch(/\bHost\b/)
  })
})

describe('with PUBLIC_URL', () => {
  let ctx: Ctx
  beforeAll(async () => {
    ctx = await createTestContext({
      rpcUrl: 'http://127.0.0.1:9',
      env: { LOG_LEVEL: 'silent', PUBLIC_URL: 'https://analytics.example.com/' },
    })
  })
  afterAll(() => ctx?.close())

  it('every published URL is PUBLIC_URL whatever the Host; documents are cacheable and do not vary by Host', async () => {
    for (const target of DOCUMENTS) {
      const { res, all } = await readAll(ctx, `http://evil.example${target}`)
      expect(all, target).not.toContain('evil')
      expect(res.headers.get('cache-control'), target).toBe('public, max-age=300')
      expect(res.headers.get('vary') ?? '', target).not.toMatch(/\bHost\b/)
    }
    const challenge = await ctx.app.request(`http://evil.example${PAID}`)
    const v2 = decodeHeaderJson(challenge.headers.get('payment-required')) as { resource: { url: string } }
    expect(v2.resource.url).toBe(`https://analytics.example.com${PAID}`)
    expect(challenge.headers.get('vary') ?? '').not.toMatch(/\bHost\b/)
  })
})

describe('the browser 402 page', () => {
  let ctx: Ctx
  beforeAll(async () => {
    ctx = await createTestContext({ rpcUrl: 'http://127.0.0.1:9', env: { LOG_LEVEL: 'silent' } })
  })
  afterAll(() => ctx?.close())

  it('carries a CSP allowing only its own inline style (by hash), and nosniff', async () => {
    const res = await ctx.app.request(`http://localhost${PAID}`, { headers: BROWSER })
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toMatch(/default-src 'none'/)
    expect(csp).toMatch(/frame-ancestors 'none'/)
    expect(csp).not.toMatch(/unsafe-inline|script-src/)
    const page = await res.text()
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1]
    expect(style).toBe(PAYMENT_PAGE_STYLE)
    const hash = createHash('sha256').update(style!).digest('base64')
    expect(csp).toContain(`style-src 'sha256-${hash}'`)
  })

  it('in a real headless Chromium the page is styled under its CSP, with no violation reported', async () => {
    const server = await listen(ctx.app)
    const profile = mkdtempSync(path.join(tmpdir(), 'x402-chromium-'))
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    })
    try {
      const page = await browser.newPage()
      const console: string[] = []
      page.on('console', (message) => console.push(message.text()))
      const res = await page.goto(`${server.url}${PAID}`)
      expect(res?.status()).toBe(402)
      expect(await page.textContent('h1')).toBe('402 Payment Required')
      // The inline style applied (52rem = 832 px): its hash is what the CSP allows.
      expect(await page.evaluate(() => getComputedStyle(document.body).maxWidth)).toBe('832px')
      expect(console.filter((line) => /Content Security Policy/i.test(line))).toEqual([])
    } finally {
      await browser.close()
      rmSync(profile, { recursive: true, force: true })
      await server.close()
    }
  }, 60_000)
})

describe('outside the devnet', () => {
  it('PUBLIC_URL is required at boot, with an error naming it', async () => {
    const env = {
      NETWORK: 'base',
      RPC_URL: 'http://127.0.0.1:9',
      PAY_TO: devnetAccount(0).address,
      SETTLER_PRIVATE_KEY: devnetPrivateKey(0),
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_PATH: path.join(mkdtempSync(path.join(tmpdir(), 'x402-host-')), 'db.sqlite'),
    }
    const error = await startNode(parseEnv(env)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^PUBLIC_URL: required when NETWORK=base\b.*Host header/),
    ])
  })
})
