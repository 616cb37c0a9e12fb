/**
 * What the relayer knows about one nonce below its next one: still in flight (broadcast, not yet seen mined), busy
 * (taken and being signed or broadcast right now), or remembered (mined once, its signed bytes kept in case the chain
 * goes back under it).
 */
export interface NonceLedger {
  /** Our next nonce to assign. */
  next: number
  inFlight: { has(nonce: number): boolean }
  busy: { has(nonce: number): boolean; readonly size: number }
  remembered: { has(nonce: number): boolean }
}

/** How to bring the relayer's nonces back in line with the chain; each list is in nonce order. */
export interface NonceRepair {
  /** The next nonce to assign from now on (lowered when the top of a gap holds nothing of ours, raised past others'). */
  next: number
  /** In flight, but the node does not hold it (dropped, or never arrived): send its signed bytes again. */
  resend: number[]
  /** Mined once and gone again (a reorg): broadcast the same signed transaction, which still belongs there. */
  rebroadcast: number[]
  /** Nothing of ours for it: a zero-value transfer to ourselves, so the nonces above it can be mined. */
  fill: number[]
}

/**
 * Compares the relayer's view with the chain's next nonce counting the node's pool (`eth_getTransactionCount` at
 * `pending`, which stops at the first gap). Every nonce between that count and ours is one the node cannot mine past:
 * it is resent, rebroadcast or filled, except the top of the range while it holds nothing of ours (the counter just
 * comes back down) and nonces busy right now (their own broadcast is on its way). When the chain is ahead of us
 * (another sender used the key) and nothing of ours is busy, the counter moves up to it.
 */
export function planNonceRepair(chainPending: number, ours: NonceLedger): NonceRepair {
  const repair: NonceRepair = { next: ours.next, resend: [], rebroadcast: [], fill: [] }
  if (chainPending >= ours.next) {
    if (ours.busy.size === 0) repair.next = chainPending
    return repair
  }
  const holdsOurs = (n: number) => ours.inFlight.has(n) || ours.busy.has(n) || ours.remembered.has(n)
  while (repair.next > chainPending && !holdsOurs(repair.next - 1)) repair.next--
  for (let n = chainPending; n < repair.next; n++) {
    if (ours.busy.has(n)) continue
    if (ours.inFlight.has(n)) repair.resend.push(n)
    else if (ours.remembered.has(n)) repair.rebroadcast.push(n)
    else repair.fill.push(n)
  }
  return repair
}
