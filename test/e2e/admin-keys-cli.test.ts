import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { parseAdminKey } from '../../src/admin/keys'
import { createAdminRouter } from '../../src/admin/router'
import { UsageError } from '../../src/cli/args'
import { keysCommand, keysHelp } from '../../src/cli/keys'
import { openSqliteDb } from '../../src/db/client'
import { adminAudit, adminKeys } from '../../src/db/schema/admin'
import { createErrorRenderer } from '../../src/http/error-renderer'
import { createLogger } from '../../src/lib/logger'

/** `x402-analytics keys …` in-process against a real SQLite file, with stdout and stderr captured. */
const KEY = /x4a_[a-z2-7]{10}_[A-Za-z0-9_-]{43}/g
let env: Record<string, string>
let out: string[]
let err: string[]

beforeEach(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'x402-keys-'))
  env = { DATABASE_PATH: path.join(dir, 'test.db'), ADMIN_KEY_PEPPER: 'cli-test-pepper' }
  const database = openSqliteDb(env.DATABASE_PATH!)
  database.close()
  out = []
  err = []
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')))
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')))
})
afterEach(() => {
  vi.restoreAllMocks()
  process.exitCode = undefined
})

async function run(...argv: string[]): Promise<string> {
  out.length = 0
  await keysCommand(argv, env)
  return out.join('\n')
}

/** The admin API over the same database file, as the server would serve it (same pepper). */
async function withApi<T>(use: (request: (key: string) => Promise<number>) => Promise<T>): Promise<T> {
  const database = openSqliteDb(env.DATABASE_PATH!)
  const app = new Hono().route(
    '/admin',
    createAdminRouter({ db: database.db, logger: createLogger('silent'), pepper: env.ADMIN_KEY_PEPPER }),
  )
  app.onError(createErrorRenderer(createLogger('silent')))
  try {
    return await use(
      async (key) =>
        (await app.request('/admin/audit', { headers: { authorization: `Bearer ${key}` } })).status,
    )
  } finally {
    database.close()
  }
}

describe('keys CLI', () => {
  it('create prints the key once with a warning; list never shows secrets or hashes', async () => {
    const created = await run('create', '--name', 'ci deploy', '--scope', 'write', '--expires-days', '30')
    const keys = created.match(KEY) ?? []
    expect(keys).toHaveLength(1)
    const key = keys[0]!
    const { keyId, secret } = parseAdminKey(key)!
    expect(created).toContain(`Created admin key ${keyId} (name "ci deploy", scope write, expires `)
    expect(created).toMatch(/WARNING: this is the only time the key is shown/)
    expect(await withApi((request) => request(key))).toBe(200)

    const listed = await run('list')
    expect(listed).toMatch(new RegExp(`^${keyId}  active   write  created .* "ci deploy"$`, 'm'))
    expect(listed).toContain('1 key(s)')
    const json = JSON.parse(await run('list', '--json'))
    expect(Object.keys(json).sort()).toEqual(
      [
        'createdAt',
        'expiresAt',
        'id',
        'lastUsedAt',
        'name',
        'revokedAt',
        'rotatedFrom',
        'scope',
        'status',
      ].sort(),
    )
    expect(json.lastUsedAt).toBeGreaterThan(0)

    const database = openSqliteDb(env.DATABASE_PATH!)
    const [row] = await database.db.select().from(adminKeys)
    await database.db.all(sql`PRAGMA wal_checkpoint(TRUNCATE)`)
    database.close()
    for (const text of [listed, JSON.stringify(json), err.join('\n')]) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain(row!.secretHash)
    }
    const dir = path.dirname(env.DATABASE_PATH!)
    const bytes = Buffer.concat(readdirSync(dir).map((f) => readFileSync(path.join(dir, f))))
    expect(bytes.includes(secret)).toBe(false)
  })

  it('rotate prints a new key; both work until the old one is revoked; every step is audited', async () => {
    const old = (await run('create', '--name', 'ops')).match(KEY)![0]
    const oldId = parseAdminKey(old)!.keyId
    const rotatedOut = await run('rotate', oldId)
    const fresh = rotatedOut.match(KEY) ?? []
    expect(fresh).toHaveLength(1)
    expect(fresh[0]).not.toBe(old)
    const newId = parseAdminKey(fresh[0]!)!.keyId
    expect(rotatedOut).toContain(`The old key ${oldId} still works`)
    await withApi(async (request) => {
      expect(await request(old)).toBe(200)
      expect(await request(fresh[0]!)).toBe(200)
    })
    expect(await run('revoke', oldId)).toBe(`Revoked admin key ${oldId} ("ops")`)
    await withApi(async (request) => {
      expect(await request(old)).toBe(401)
      expect(await request(fresh[0]!)).toBe(200)
    })
    expect(await run('list')).toMatch(new RegExp(`^${oldId}  revoked  read `, 'm'))

    // A revoked key can be neither revoked again nor rotated.
    await run('revoke', oldId)
    expect(err.at(-1)).toBe(`no active key ${oldId}`)
    expect(process.exitCode).toBe(1)
    await run('rotate', oldId)
    expect(err.at(-1)).toBe(`key ${oldId} is revoked`)

    const database = openSqliteDb(env.DATABASE_PATH!)
    const audit = await database.db.select().from(adminAudit)
    database.close()
    expect(audit.filter((r) => r.action !== 'key.use').map((r) => [r.action, r.keyId])).toEqual([
      ['key.create', oldId],
      ['key.rotate', newId],
      ['key.revoke', oldId],
      ['auth.denied', oldId],
    ])
    expect(audit.filter((r) => r.action === 'key.use')).toHaveLength(3)
    expect(JSON.stringify(audit)).not.toContain(parseAdminKey(old)!.secret)
  })

  it('--help, and refuses bad arguments with exit code 2', async () => {
    expect(await run('--help')).toBe(keysHelp)
    expect(await run('create', '--help')).toBe(keysHelp)
    await expect(run()).rejects.toThrow(
      new UsageError('a subcommand is required (create, list, revoke or rotate)', keysHelp),
    )
    await expect(run('list', '--bogus')).rejects.toThrow(/^unknown option --bogus$/)
    for (const argv of [
      ['create'],
      ['create', '--name', 'x', '--scope', 'admin'],
      ['create', '--name', 'x', '--expires-days', '0'],
      ['create', '--name', 'x', '--expires-days', '1.5'],
      ['revoke'],
      ['rotate', 'not-an-id'],
      ['destroy'],
    ]) {
      process.exitCode = undefined
      expect(await run(...argv)).toBe('')
      expect(process.exitCode).toBe(2)
    }
  })
})
