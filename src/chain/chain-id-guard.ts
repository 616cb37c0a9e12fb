import { ChainUnavailableError } from './errors'

/** The RPC answered another chain's id: nothing read from it or sent to it may count as ours. */
export class ChainIdMismatchError extends ChainUnavailableError {
  override name = 'ChainIdMismatchError'
  constructor(
    readonly actual: number,
    readonly expected: number,
  ) {
    super('chain id check', { cause: new Error(`the RPC reports chain id ${actual}, expected ${expected}`) })
  }
}

export type ChainIdCheck =
  | { result: 'match'; chainId: number }
  | { result: 'mismatch'; chainId: number }
  | { result: 'error'; error: unknown }

export interface ChainIdGuardOptions {
  expected: number
  /** Asks the RPC for its chain id now (`eth_chainId`, never a cached value). */
  read: () => Promise<number>
  /** A passed check is trusted this long; past it, the next use asks again. */
  intervalMs: number
  now?: () => number
  /** After every check, with the one before it (a log line on a change, a metric). */
  onCheck?: (check: ChainIdCheck, previous: ChainIdCheck | undefined) => void
}

/**
 * Fails closed when the chain under the RPC changes while we run: every verification, settlement and resolution first
 * asks `assertMatches()`, which re-reads the chain id once `intervalMs` has passed or after any RPC error, and throws
 * ChainUnavailableError (a ChainIdMismatchError on a wrong id) instead of letting a foreign chain's answer count. A
 * check costs one `eth_chainId`, shared by every caller waiting for it.
 */
export class ChainIdGuard {
  private checkedAt = Number.NEGATIVE_INFINITY
  private stale = true
  private last: ChainIdCheck | undefined
  private inFlight: Promise<ChainIdCheck> | undefined
  private readonly now: () => number

  constructor(private readonly options: ChainIdGuardOptions) {
    this.now = options.now ?? Date.now
  }

  /** The last check's outcome (undefined before the first). */
  get status(): ChainIdCheck | undefined {
    return this.last
  }

  /** An RPC call failed: the node behind the URL may have changed, so the next use checks again. */
  rpcFailed(): void {
    this.stale = true
  }

  async assertMatches(): Promise<void> {
    const fresh = !this.stale && this.now() - this.checkedAt < this.options.intervalMs
    const check = fresh && this.last ? this.last : await this.check()
    if (check.result === 'match') return
    if (check.result === 'mismatch') throw new ChainIdMismatchError(check.chainId, this.options.expected)
    throw new ChainUnavailableError('chain id check', { cause: check.error })
  }

  private check(): Promise<ChainIdCheck> {
    this.inFlight ??= this.options
      .read()
      .then(
        (chainId): ChainIdCheck =>
          chainId === this.options.expected ? { result: 'match', chainId } : { result: 'mismatch', chainId },
        (error: unknown): ChainIdCheck => ({ result: 'error', error }),
      )
      .then((check) => {
        const previous = this.last
        this.last = check
        // A failed read is not trusted for an interval: the next use asks again.
        this.stale = check.result === 'error'
        this.checkedAt = this.now()
        this.options.onCheck?.(check, previous)
        return check
      })
      .finally(() => {
        this.inFlight = undefined
      })
    return this.inFlight
  }
}
