import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateAdminKey, hashAdminSecret, parseAdminKey, scopeAllows, verifyAdminSecret } from './keys'

describe('admin keys', () => {
  it('generates x4a_<id>_<secret> keys that parse back, all different', () => {
    const keys = Array.from({ length: 200 }, generateAdminKey)
    for (const { keyId, secret, key } of keys) {
      expect(key).toMatch(/^x4a_[a-z2-7]{10}_[A-Za-z0-9_-]{43}$/)
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32)
      expect(parseAdminKey(key)).toEqual({ keyId, secret })
    }
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(keys.length)
    expect(new Set(keys.map((k) => k.secret)).size).toBe(keys.length)
  })

  it.each([
    '',
    'x4a_',
    'x4a_abcdefghij_short',
    'x4b_abcdefghij_' + 'A'.repeat(43),
    'x4a_ABCDEFGHIJ_' + 'A'.repeat(43),
    'x4a_abcdefghi1_' + 'A'.repeat(43),
    'x4a_abcdefghij_' + 'A'.repeat(44),
    'x4a_abcdefghij_' + 'A'.repeat(42) + '=',
  ])('refuses a malformed key %j', (raw) => {
    expect(parseAdminKey(raw)).toBeUndefined()
  })

  it('hashes with SHA-256, or HMAC-SHA-256 under a pepper', () => {
    expect(hashAdminSecret('s3cret')).toBe(createHash('sha256').update('s3cret').digest('hex'))
    expect(hashAdminSecret('s3cret', 'pepper')).toBe(
      createHmac('sha256', 'pepper').update('s3cret').digest('hex'),
    )
    expect(hashAdminSecret('s3cret', '')).toBe(hashAdminSecret('s3cret'))
  })

  it('verifies only the right secret with the right pepper; a missing or malformed hash never verifies', () => {
    const { secret } = generateAdminKey()
    const stored = hashAdminSecret(secret, 'p')
    expect(verifyAdminSecret(secret, stored, 'p')).toBe(true)
    expect(verifyAdminSecret(secret, stored)).toBe(false)
    expect(verifyAdminSecret(`${secret}x`, stored, 'p')).toBe(false)
    expect(verifyAdminSecret(secret, undefined, 'p')).toBe(false)
    expect(verifyAdminSecret('', undefined)).toBe(false)
    expect(verifyAdminSecret(secret, 'nothex', 'p')).toBe(false)
    // The dummy digest is all zeros: a stored all-zero "hash" still never matches a missing one by accident.
    expect(verifyAdminSecret(secret, '0'.repeat(64))).toBe(false)
  })

  it('write implies read', () => {
    expect(scopeAllows('write', 'read')).toBe(true)
    expect(scopeAllows('write', 'write')).toBe(true)
    expect(scopeAllows('read', 'read')).toBe(true)
    expect(scopeAllows('read', 'write')).toBe(false)
  })
})
