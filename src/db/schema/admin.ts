import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** `write` implies `read`. */
export const ADMIN_SCOPES = ['read', 'write'] as const
export type AdminScope = (typeof ADMIN_SCOPES)[number]

/**
 * Operator API keys. A key is `x4a_<id>_<secret>`; only the SHA-256 (or HMAC with the deployment pepper) of the
 * secret is stored, so a copy of the database does not hand out admin access.
 */
export const adminKeys = sqliteTable('admin_keys', {
  /** The public key id (10 base32 chars), used for lookup and shown in lists and logs. */
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  scope: text('scope', { enum: ADMIN_SCOPES }).notNull(),
  /** Hex SHA-256 (or HMAC-SHA-256 with ADMIN_KEY_PEPPER) of the secret part. */
  secretHash: text('secret_hash').notNull(),
  /** Unix ms, like every timestamp below. */
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at'),
  revokedAt: integer('revoked_at'),
  lastUsedAt: integer('last_used_at'),
  /** The key this one replaced (`keys rotate`); the old one stays valid until revoked. */
  rotatedFrom: text('rotated_from'),
})

export type AdminKey = typeof adminKeys.$inferSelect
export type NewAdminKey = typeof adminKeys.$inferInsert

export const ADMIN_AUDIT_ACTIONS = [
  'key.create',
  'key.rotate',
  'key.revoke',
  'key.use',
  'auth.denied',
  'spend_override.set',
  'spend_override.delete',
  'payment.write_off',
] as const
export type AdminAuditAction = (typeof ADMIN_AUDIT_ACTIONS)[number]

/**
 * Append-only record of every admin key use and change. `key_id` is the key that acted (API calls) or the key the
 * change is about (CLI create/rotate/revoke, where no key acts); null when no key could be identified.
 * Unauthenticated refusals are the exception: one `auth.denied` summary row per client address and minute, whose
 * count grows during that minute (admin/refusals.ts), so refusals cannot flood the table.
 */
export const adminAudit = sqliteTable('admin_audit', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  keyId: text('key_id'),
  action: text('action', { enum: ADMIN_AUDIT_ACTIONS }).notNull(),
  /** JSON object; never holds a key, secret or hash. */
  detail: text('detail').notNull().default('{}'),
  ip: text('ip'),
})

export type AdminAuditRow = typeof adminAudit.$inferSelect
export type NewAdminAuditRow = typeof adminAudit.$inferInsert
