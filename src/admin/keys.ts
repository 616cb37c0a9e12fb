import type { AdminScope } from '../db/schema/admin'
import { bytesToBase64 } from '../lib/base64'
import { hmacSha256Hex, sha256Hex } from '../lib/digest'

/**
 * Admin API keys: `x4a_<keyId>_<secret>`. The key id (10 base32 chars) finds the row; the secret (32 CSPRNG bytes,
 * base64url) proves possession and is only ever stored hashed. The id alphabet has no `_`, so parsing is unambiguous
 * even though the base64url secret may contain one.
 */
export const ADMIN_KEY_PREFIX = 'x4a'
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const ID_LENGTH = 10
const KEY_PATTERN = /^x4a_([a-z2-7]{10})_([A-Za-z0-9_-]{43})$/
const HASH_PATTERN = /^[0-9a-f]{64}$/
/** Compared against when there is no stored hash, so an unknown key id costs the same as a wrong secret. */
const DUMMY_DIGEST = '0'.repeat(64)

export interface GeneratedAdminKey {
  keyId: string
  secret: string
  /** The full key to hand to the operator once; never stored or logged. */
  key: string
}

const randomBytes = (length: number) => crypto.getRandomValues(new Uint8Array(length))
const base64url = (bytes: Uint8Array) =>
  bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

export function generateAdminKey(): GeneratedAdminKey {
  // 256 is a multiple of 32, so `byte & 31` is uniform over the alphabet.
  const keyId = Array.from(randomBytes(ID_LENGTH), (byte) => ID_ALPHABET[byte & 31]).join('')
  const secret = base64url(randomBytes(32))
  return { keyId, secret, key: `${ADMIN_KEY_PREFIX}_${keyId}_${secret}` }
}

export function parseAdminKey(raw: string): { keyId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(raw.trim())
  return match ? { keyId: match[1]!, secret: match[2]! } : undefined
}

/**
 * Hex SHA-256 of the secret, or HMAC-SHA-256 keyed with the deployment pepper when one is configured (Web Crypto:
 * the same bytes as node:crypto's createHash/createHmac, so keys made before still verify).
 */
export function hashAdminSecret(secret: string, pepper?: string): Promise<string> {
  return pepper ? hmacSha256Hex(pepper, secret) : sha256Hex(secret)
}

/** Compares two equal-length hex digests without an early exit, so timing does not tell how much matched. */
function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}

/**
 * Constant-time check of `secret` against a stored hash. A missing or malformed stored hash still runs a full
 * comparison (against a dummy digest) and fails, so timing does not tell which key ids exist.
 */
export async function verifyAdminSecret(
  secret: string,
  storedHash: string | undefined,
  pepper?: string,
): Promise<boolean> {
  const actual = await hashAdminSecret(secret, pepper)
  const stored = storedHash && HASH_PATTERN.test(storedHash) ? storedHash : undefined
  const equal = sameDigest(actual, stored ?? DUMMY_DIGEST)
  return equal && stored !== undefined
}

/** `write` implies `read`. */
export function scopeAllows(granted: AdminScope, required: AdminScope): boolean {
  return granted === 'write' || required === 'read'
}
