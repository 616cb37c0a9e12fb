import { randomUUID } from 'node:crypto'
import type { NewPayment } from '../../src/db/schema'

export const USDC_ROW = {
  asset: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913',
  assetSymbol: 'USDC',
  amount: '17000',
  usdPrice: '0.017',
  usdValue: '0.017',
  discount: '0',
} as const

/** TMAI at $0.0007 with the 10% discount: what a tier-1 call costs. */
export const TMAI_ROW = {
  asset: '0xca4569949699d56e1834efe9f58747ca0f151b01',
  assetSymbol: 'TMAI',
  amount: '21857142857142857143',
  usdPrice: '0.017',
  usdValue: '0.0153',
  discount: '0.1',
  rateUsd: '0.0007',
} as const

let seq = 0
/** A ledger row as the payment core writes it (settled USDC for tier 1 unless overridden). */
export function ledgerRow(overrides: Partial<NewPayment> = {}): NewPayment {
  seq++
  const at = overrides.createdAt ?? Date.parse('2026-03-01T10:00:00Z')
  return {
    id: randomUUID(),
    network: 'eip155:8453',
    ...USDC_ROW,
    payer: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    nonce: `0x${seq.toString(16).padStart(64, '0')}`,
    state: 'settled',
    x402Version: 2,
    scheme: 'exact',
    method: 'GET',
    route: '/v1/daily-ohlcv',
    requestKey: 'GET /v1/daily-ohlcv?symbol=ETH',
    payTo: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    validBefore: 1_900_000_000,
    payload: '{}',
    txHash: `0x${'ab'.repeat(32)}`,
    createdAt: at,
    updatedAt: at,
    settledAt: overrides.state && overrides.state !== 'settled' ? null : at,
    ...overrides,
  }
}
