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

  it('hashes with SHA-256, or HMAC-SHA-256 under a pepper (Web Crypto, byte for byte what node:crypto gives)', async () => {
    expect(await hashAdminSecret('s3cret')).toBe(createHash('sha256').update('s3cret').digest('hex'))
    expect(await hashAdminSecret('s3cret', 'pepper')).toBe(
      createHmac('sha256', 'pepper').update('s3cret').digest('hex'),
    )
    expect(await hashAdminSecret('s3cret', '')).toBe(await hashAdminSecret('s3cret'))
  })

  it('keys hashed by the earlier node:crypto code still verify, with and without a pepper', async () => {
    for (const pepper of [undefined, 'deployment-pepper']) {
      const { secret } = generateAdminKey()
      const storedBefore = pepper
        ? createHmac('sha256', pepper).update(secret).digest('hex')
        : createHash('sha256').update(secret).digest('hex')
      expect(await verifyAdminSecret(secret, storedBefore, pepper)).toBe(true)
      expect(await verifyAdminSecret(`${secret.slice(0, -1)}x`, storedBefore, pepper)).toBe(false)
    }
  })

  it('verifies only the right secret with the right pepper; a missing or malformed hash never verifies', async () => {
    const { secret } = generateAdminKey()
    const stored = await hashAdminSecret(secret, 'p')
    expect(await verifyAdminSecret(secret, stored, 'p')).toBe(true)
    expect(await verifyAdminSecret(secret, stored)).toBe(false)
    expect(await verifyAdminSecret(`${secret}x`, stored, 'p')).toBe(false)
    expect(await verifyAdminSecret(secret, undefined, 'p')).toBe(false)
    expect(await verifyAdminSecret('', undefined)).toBe(false)
    expect(await verifyAdminSecret(secret, 'nothex', 'p')).toBe(false)
    // The dummy digest is all zeros: a stored all-zero "hash" still never matches a missing one by accident.
    expect(await verifyAdminSecret(secret, '0'.repeat(64))).toBe(false)
  })

  it('write implies read', () => {
    expect(scopeAllows('write', 'read')).toBe(true)
    expect(scopeAllows('write', 'write')).toBe(true)
    expect(scopeAllows('read', 'read')).toBe(true)
    expect(scopeAllows('read', 'write')).toBe(false)
  })
})
