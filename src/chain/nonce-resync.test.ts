import { describe, expect, it } from 'vitest'
import { type NonceLedger, planNonceRepair } from './nonce-resync'

function ledger(next: number, parts: { inFlight?: number[]; busy?: number[]; remembered?: number[] } = {}) {
  return {
    next,
    inFlight: new Set(parts.inFlight),
    busy: new Set(parts.busy),
    remembered: new Set(parts.remembered),
  } satisfies NonceLedger
}

describe('planNonceRepair', () => {
  it('in step with the chain: nothing to do', () => {
    expect(planNonceRepair(7, ledger(7, { remembered: [5, 6] }))).toEqual({
      next: 7,
      resend: [],
      rebroadcast: [],
      fill: [],
    })
  })

  it('after a reorg: the reverted nonces get their own transactions again, in order', () => {
    expect(planNonceRepair(5, ledger(9, { remembered: [4, 5, 6], inFlight: [7, 8] }))).toEqual({
      next: 9,
      resend: [7, 8],
      rebroadcast: [5, 6],
      fill: [],
    })
  })

  it('a hole that held nothing of ours is filled below our transactions, given back above them', () => {
    expect(planNonceRepair(3, ledger(10, { inFlight: [5], busy: [6] }))).toEqual({
      next: 7,
      resend: [5],
      rebroadcast: [],
      fill: [3, 4],
    })
    // Nothing of ours at all above the chain: the counter simply comes back down.
    expect(planNonceRepair(3, ledger(10)).next).toBe(3)
  })

  it('nonces being signed or broadcast right now are left to their own broadcast', () => {
    expect(planNonceRepair(4, ledger(7, { busy: [4, 5, 6] }))).toEqual({
      next: 7,
      resend: [],
      rebroadcast: [],
      fill: [],
    })
  })

  it('the chain ahead of us (another sender of the key): the counter moves up, unless something is busy', () => {
    expect(planNonceRepair(12, ledger(9, { remembered: [8] })).next).toBe(12)
    expect(planNonceRepair(12, ledger(9, { busy: [8] })).next).toBe(9)
  })
})
