import { messageOf } from '../lib/errors'
import type { Logger } from '../lib/logger'

interface Entry {
  description: string
  write: () => Promise<unknown>
  attempts: number
}

/**
 * Ledger writes that must not be lost but could not be made when they happened (the database was locked, full or
 * failing): above all "this payment settled on chain", after the payer was already answered with the paid body.
 * Kept in memory and retried; bounded, because the reconciler can always rebuild a settled payment from the chain
 * (the row stays `settling` with its transaction hash until one of them succeeds).
 */
export class LedgerOutbox {
  private readonly entries = new Map<string, Entry>()
  private flushing: Promise<void> | undefined

  constructor(
    private readonly logger: Logger,
    private readonly maxEntries = 10_000,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** Queues `write` for payment `paymentId` (a later write for the same payment replaces an earlier one). */
  add(paymentId: string, description: string, write: () => Promise<unknown>): void {
    this.entries.delete(paymentId)
    this.entries.set(paymentId, { description, write, attempts: 0 })
    while (this.entries.size > this.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry]
      this.entries.delete(oldest)
      this.logger.error(
        'ledger outbox full: dropped a deferred write; the reconciler will rebuild it from the chain',
        {
          paymentId: oldest,
          write: entry.description,
        },
      )
    }
  }

  /** Retries every queued write once; entries that succeed leave the queue. Never throws. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined
    })
    return this.flushing
  }

  private async flushOnce(): Promise<void> {
    for (const [paymentId, entry] of [...this.entries]) {
      try {
        await entry.write()
        if (this.entries.get(paymentId) === entry) this.entries.delete(paymentId)
        this.logger.info('deferred ledger write done', { paymentId, write: entry.description })
      } catch (error) {
        entry.attempts++
        this.logger.warn('deferred ledger write failed again', {
          paymentId,
          write: entry.description,
          attempts: entry.attempts,
          error: messageOf(error),
        })
      }
    }
  }
}
