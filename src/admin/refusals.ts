import type { Db } from '../db/client'
import { type AdminAuditEntry, insertAdminAudit, updateAdminAuditSummary } from '../db/queries/admin'
import type { Logger } from '../lib/logger'
import type { AdminAuthFailure } from './key-store'

export interface AdminRefusalsOptions {
  db: Db
  logger: Logger
  /**
   * Addresses that get a summary row of their own each minute; refusals from further addresses share one row
   * (ip null), so the audit table grows by at most this + 1 rows a minute, however many addresses an attacker has.
   */
  maxAddressesPerMinute?: number
}

export interface DeniedRequest {
  /** Unix ms. */
  at: number
  ip: string
  keyId: string | null
  reason: AdminAuthFailure
  method: string
  path: string
}

const WINDOW_MS = 60_000
/** Distinct key ids and paths kept per summary; enough to see what was tried, bounded whatever is sent. */
const LIST_CAP = 10
/** Bound on the distinct addresses counted in the shared row (its `addresses` stops growing there). */
const ADDRESS_COUNT_CAP = 10_000

/** A log line for the 1st, 10th, 100th, … refusal of a window: a flood shows, at log-scale cost. */
const isMilestone = (n: number) => n === 1 || /^10+$/.test(String(n))

interface DeniedSummary {
  /** null: the row shared by addresses beyond the per-minute cap. */
  ip: string | null
  firstAt: number
  lastAt: number
  count: number
  reasons: Partial<Record<AdminAuthFailure, number>>
  keyIds: string[]
  paths: string[]
  addresses?: Set<string>
  rowId: Promise<number>
  /** The last scheduled write; writes of one row run in order. */
  written: Promise<void>
  /** A write queued behind `written` that has not started yet: it will carry every count up to its start. */
  queued?: Promise<void>
}

interface WindowState {
  start: number
  denied: Map<string, DeniedSummary>
  others?: DeniedSummary
  limited: Map<string, number>
  limitedOthers: number
}

/**
 * Records refused admin requests without letting them flood the audit table or the log: one `auth.denied` row
 * per client address per minute (inserted at the first refusal, its count kept current by each further one) and a
 * WARN line at the 1st, 10th, 100th, … refusal. In memory per process: only the current minute is held.
 */
export class AdminRefusals {
  private readonly db: Db
  private readonly logger: Logger
  private readonly maxAddresses: number
  private window: WindowState = { start: -1, denied: new Map(), limited: new Map(), limitedOthers: 0 }

  constructor(options: AdminRefusalsOptions) {
    this.db = options.db
    this.logger = options.logger
    this.maxAddresses = options.maxAddressesPerMinute ?? 100
  }

  /** Counts a 401 and persists its minute's summary; resolves once the audit row holds it. */
  denied(request: DeniedRequest): Promise<void> {
    const window = this.windowAt(request.at)
    let summary = window.denied.get(request.ip)
    const overflow = !summary && window.denied.size >= this.maxAddresses
    if (overflow) summary = window.others
    if (!summary) {
      summary = this.newSummary(overflow ? null : request.ip, request, window.start)
      if (overflow) window.others = summary
      else window.denied.set(request.ip, summary)
    } else {
      this.count(summary, request)
    }

    if (summary.count === 1) {
      this.logger.warn('admin key refused', {
        kid: request.keyId ?? undefined,
        reason: request.reason,
        ip: summary.ip ?? undefined,
        path: request.path,
        ...(summary.ip === null ? { note: 'more addresses than the per-minute audit cap; rows shared' } : {}),
      })
    } else if (isMilestone(summary.count)) {
      this.logger.warn('admin key refusals continue', {
        ip: summary.ip ?? 'other addresses',
        count: summary.count,
        since: new Date(window.start).toISOString(),
      })
    }
    if (summary.count === 1) return summary.written
    return this.persist(summary, window.start)
  }

  /** Counts a 429 of the per-address limit: logged at milestones only (no audit row, no database write). */
  rateLimited(request: { at: number; ip: string; path: string }): void {
    const window = this.windowAt(request.at)
    let count: number
    if (window.limited.has(request.ip) || window.limited.size < this.maxAddresses) {
      count = (window.limited.get(request.ip) ?? 0) + 1
      window.limited.set(request.ip, count)
    } else {
      count = ++window.limitedOthers
    }
    if (!isMilestone(count)) return
    const ip = window.limited.has(request.ip) ? request.ip : 'other addresses'
    if (count === 1) this.logger.warn('admin rate limit (address)', { ip, path: request.path })
    else this.logger.warn('admin rate limit (address) continues', { ip, count })
  }

  private windowAt(at: number): WindowState {
    const start = Math.floor(at / WINDOW_MS) * WINDOW_MS
    if (start !== this.window.start) {
      // Earlier minutes' rows are final; their writes in flight still finish.
      this.window = { start, denied: new Map(), limited: new Map(), limitedOthers: 0 }
    }
    return this.window
  }

  private newSummary(ip: string | null, request: DeniedRequest, windowStart: number): DeniedSummary {
    const summary: DeniedSummary = {
      ip,
      firstAt: request.at,
      lastAt: request.at,
      count: 0,
      reasons: {},
      keyIds: [],
      paths: [],
      ...(ip === null ? { addresses: new Set<string>() } : {}),
      rowId: Promise.resolve(0),
      written: Promise.resolve(),
    }
    this.count(summary, request)
    summary.rowId = insertAdminAudit(this.db, this.entry(summary, windowStart))
    summary.written = summary.rowId.then(() => undefined)
    return summary
  }

  private count(summary: DeniedSummary, request: DeniedRequest): void {
    summary.count++
    summary.lastAt = Math.max(summary.lastAt, request.at)
    summary.reasons[request.reason] = (summary.reasons[request.reason] ?? 0) + 1
    if (request.keyId && summary.keyIds.length < LIST_CAP && !summary.keyIds.includes(request.keyId))
      summary.keyIds.push(request.keyId)
    if (summary.paths.length < LIST_CAP && !summary.paths.includes(request.path))
      summary.paths.push(request.path)
    if (summary.addresses && summary.addresses.size < ADDRESS_COUNT_CAP) summary.addresses.add(request.ip)
  }

  /** Schedules one rewrite of the row; refusals arriving before it starts share it. */
  private persist(summary: DeniedSummary, windowStart: number): Promise<void> {
    if (summary.queued) return summary.queued
    const write = summary.written
      .catch(() => undefined)
      .then(async () => {
        summary.queued = undefined
        const id = await summary.rowId
        const { keyId, detail } = this.entry(summary, windowStart)
        await updateAdminAuditSummary(this.db, id, { keyId, detail })
      })
    summary.queued = write
    summary.written = write
    return write
  }

  private entry(summary: DeniedSummary, windowStart: number): AdminAuditEntry {
    return {
      at: summary.firstAt,
      // The key id column names the key only when every refusal that named one named the same.
      keyId: summary.keyIds.length === 1 ? summary.keyIds[0]! : null,
      action: 'auth.denied',
      ip: summary.ip,
      detail: {
        count: summary.count,
        reasons: summary.reasons,
        keyIds: summary.keyIds,
        paths: summary.paths,
        ...(summary.addresses ? { addresses: summary.addresses.size } : {}),
        from: new Date(windowStart).toISOString(),
        to: new Date(windowStart + WINDOW_MS).toISOString(),
        lastAt: new Date(summary.lastAt).toISOString(),
      },
    }
  }
}
