import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { Permit2Reason, settlementRevertReason } from './errors'

const require = createRequire(import.meta.url)
const ours = new Set<string>([
  Permit2Reason.expiredUnsettled,
  Permit2Reason.nonceInvalidated,
  Permit2Reason.nonceUsedElsewhere,
])

/** Every `var Err… = "…"` string constant in the published @x402/evm bundle. */
function x402ErrorCodes(): Set<string> {
  const dist = path.join(path.dirname(require.resolve('@x402/evm')), '..', 'esm')
  const codes = new Set<string>()
  for (const file of readdirSync(dist).filter((f) => f.endsWith('.mjs'))) {
    for (const match of readFileSync(path.join(dist, file), 'utf8').matchAll(/var Err\w+ = "([^"]+)"/g)) {
      codes.add(match[1]!)
    }
  }
  return codes
}

describe('Permit2 reason codes', () => {
  it("are x402's strings character for character (except the reconciler's own)", () => {
    const codes = x402ErrorCodes()
    for (const code of Object.values(Permit2Reason).filter((c) => !ours.has(c))) expect(codes).toContain(code)
    for (const code of ours) expect(codes).not.toContain(code)
  })

  it.each([
    ['InvalidNonce()', 'permit2_invalid_nonce'],
    ['SignatureExpired(1700000000)', 'permit2_deadline_expired'],
    ['InvalidSigner()', 'invalid_permit2_signature'],
    ['PaymentTooEarly()', 'permit2_payment_too_early'],
    ['Execution reverted with reason: custom error 0x756688fe.', 'permit2_invalid_nonce'],
    ['execution reverted: TRANSFER_FROM_FAILED', 'invalid_exact_evm_transaction_failed'],
  ])('a settlement reverting with %s is %s', (revert, reason) => {
    expect(settlementRevertReason(revert)).toBe(reason)
  })
})
