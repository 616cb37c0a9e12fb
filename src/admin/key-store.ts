import type { Db } from '../db/client'
import {
  type AdminKeyInfo,
  findAdminKeyForAuth,
  getAdminKeyInfo,
  insertAdminAudit,
  insertAdminKey,
  markAdminKeyRevoked,
  touchAdminKey,
} from '../db/queries/admin'
import type { AdminScope } from '../db/schema/admin'
import { generateAdminKey, hashAdminSecret, parseAdminKey, verifyAdminSecret } from './keys'

/**
 * Key lifecycle (create, rotate, revoke) and authentication, each change followed by its audit row. Hashing uses
 * the deployment pepper passed in by the caller (ADMIN_KEY_PEPPER); the CLI and the server must use the same one.
 */

export interface CreatedAdminKey {
  /** The full key: show it once, never store or log it. */
  key: string
  info: AdminKeyInfo
}

export interface CreateAdminKeyOptions {
  name: string
  scope: AdminScope
  /** Unix ms; null or absent: never expires. */
  expiresAt?: number | null
  pepper?: string
  now?: number
}

export async function createAdminKey(db: Db, options: CreateAdminKeyOptions): Promise<CreatedAdminKey> {
  const created = await insertNewKey(db, options, null)
  await insertAdminAudit(db, {
    at: created.info.createdAt,
    keyId: created.info.id,
    action: 'key.create',
    detail: { name: created.info.name, scope: created.info.scope, expiresAt: created.info.expiresAt },
    ip: null,
  })
  return created
}

/**
 * A new key with the old one's name and scope. The old key stays valid until it is revoked, so clients can move
 * over without downtime. Without `expiresAt`, the new key gets the old key's lifetime (if it had one).
 */
export async function rotateAdminKey(
  db: Db,
  oldId: string,
  options: { expiresAt?: number | null; pepper?: string; now?: number } = {},
): Promise<CreatedAdminKey | { error: 'not_found' | 'revoked' }> {
  const old = await getAdminKeyInfo(db, oldId)
  if (!old) return { error: 'not_found' }
  if (old.revokedAt !== null) return { error: 'revoked' }
  const now = options.now ?? Date.now()
  const lifetime = old.expiresAt === null ? null : old.expiresAt - old.createdAt
  const expiresAt =
    options.expiresAt !== undefined ? options.expiresAt : lifetime === null ? null : now + lifetime
  const created = await insertNewKey(
    db,
    { name: old.name, scope: old.scope, expiresAt, pepper: options.pepper, now },
    old.id,
  )
  await insertAdminAudit(db, {
    at: now,
    keyId: created.info.id,
    action: 'key.rotate',
    detail: { from: old.id, name: old.name, scope: old.scope, expiresAt },
    ip: null,
  })
  return created
}

export async function revokeAdminKey(
  db: Db,
  id: string,
  now: number = Date.now(),
): Promise<AdminKeyInfo | undefined> {
  const revoked = await markAdminKeyRevoked(db, id, now)
  if (revoked) {
    await insertAdminAudit(db, {
      at: now,
      keyId: id,
      action: 'key.revoke',
      detail: { name: revoked.name },
      ip: null,
    })
  }
  return revoked
}

async function insertNewKey(
  db: Db,
  options: CreateAdminKeyOptions,
  rotatedFrom: string | null,
): Promise<CreatedAdminKey> {
  const { keyId, secret, key } = generateAdminKey()
  const info: AdminKeyInfo = {
    id: keyId,
    name: options.name,
    scope: options.scope,
    createdAt: options.now ?? Date.now(),
    expiresAt: options.expiresAt ?? null,
    revokedAt: null,
    lastUsedAt: null,
    rotatedFrom,
  }
  await insertAdminKey(db, { ...info, secretHash: await hashAdminSecret(secret, options.pepper) })
  return { key, info }
}

/** Why a key was refused: for the audit table and logs only, never for the client. */
export type AdminAuthFailure = 'missing' | 'malformed' | 'unknown' | 'bad_secret' | 'revoked' | 'expired'

export type AdminAuthResult =
  | { ok: true; key: Pick<AdminKeyInfo, 'id' | 'name' | 'scope'> }
  | { ok: false; reason: AdminAuthFailure; keyId: string | null }

/**
 * Checks an `Authorization` header value. The secret comparison runs on every path (against a dummy digest when the
 * id is unknown or the header unparsable), and only then are revocation and expiry looked at; a successful check
 * records `last_used_at` in a statement that re-checks the key is still live.
 */
export async function authenticateAdminKey(
  db: Db,
  authorization: string | undefined,
  options: { pepper?: string; now: number },
): Promise<AdminAuthResult> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
  const parsed = bearer ? parseAdminKey(bearer) : undefined
  const row = parsed ? await findAdminKeyForAuth(db, parsed.keyId) : undefined
  const secretOk = await verifyAdminSecret(parsed?.secret ?? '', row?.secretHash, options.pepper)
  const keyId = parsed?.keyId ?? null
  if (!parsed) return { ok: false, reason: bearer ? 'malformed' : 'missing', keyId }
  if (!row) return { ok: false, reason: 'unknown', keyId }
  if (!secretOk) return { ok: false, reason: 'bad_secret', keyId }
  if (row.revokedAt !== null) return { ok: false, reason: 'revoked', keyId }
  if (row.expiresAt !== null && row.expiresAt <= options.now) return { ok: false, reason: 'expired', keyId }
  if (!(await touchAdminKey(db, row.id, options.now))) return { ok: false, reason: 'revoked', keyId }
  return { ok: true, key: { id: row.id, name: row.name, scope: row.scope } }
}
