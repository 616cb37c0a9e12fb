import { createAdminKey, revokeAdminKey, rotateAdminKey } from '../admin/key-store'
import { parseEnv } from '../config/env'
import { openSqliteDb } from '../db/client'
import type { Db } from '../db/database'
import { type AdminKeyInfo, listAdminKeys } from '../db/queries/admin'
import { ADMIN_SCOPES, type AdminScope } from '../db/schema/admin'
import { createSqlScript } from '../db/sql-script'
import { parseCommandArgs, UsageError } from './args'
import { executeOnD1, withLocalD1 } from './d1'

export const keysHelp = `Usage: x402-analytics keys <create|list|revoke|rotate> [options]

Manages operator keys for the admin API (/admin) in DATABASE_PATH. A key is printed once, when it is created;
only a hash of it is stored. If you set ADMIN_KEY_PEPPER, set the same value here and for the server.

  keys create --name NAME [--scope read|write] [--expires-days N]
                     a new key (default scope read; write implies read), printed once
  keys list [--json] ids, names, scopes, created / expires / revoked / last used (never secrets or hashes)
  keys revoke KEY_ID the key stops working immediately
  keys rotate KEY_ID [--expires-days N]
                     a new key with the same name and scope, printed once; the old key keeps working until you
                     revoke it (default expiry: the old key's lifetime, if it had one)

  keys create … --d1 DB [--local [--persist-to DIR]] [--config FILE]
                     the same, into the Cloudflare D1 database DB of wrangler.toml (through wrangler d1 execute);
                     ADMIN_KEY_PEPPER here must equal the Worker secret of that name

Use a key as the header  Authorization: Bearer x4a_…`

const KEY_ID = /^[a-z2-7]{10}$/
const DAY_MS = 86_400_000

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString())

function status(key: AdminKeyInfo, now: number): string {
  if (key.revokedAt !== null) return 'revoked'
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired'
  return 'active'
}

function showOnce(key: string, info: AdminKeyInfo, verb: string): void {
  console.log(
    `${verb} admin key ${info.id} (name "${info.name}", scope ${info.scope}, ${info.expiresAt === null ? 'no expiry' : `expires ${iso(info.expiresAt)}`})\n\n${key}\n\n` +
      'WARNING: this is the only time the key is shown. Store it in a secret manager now; only its hash is kept,\n' +
      'so a lost key cannot be recovered (rotate or create a new one).',
  )
}

/** `keys create|list|revoke|rotate`; `env` is the process environment (DATABASE_PATH, ADMIN_KEY_PEPPER). */
export async function keysCommand(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    {
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        scope: { type: 'string', default: 'read' },
        'expires-days': { type: 'string' },
        json: { type: 'boolean' },
        d1: { type: 'string' },
        local: { type: 'boolean', default: false },
        'persist-to': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    keysHelp,
  )
  const [subcommand, keyId] = positionals
  if (values.help || subcommand === 'help') {
    console.log(keysHelp)
    return
  }
  if (!subcommand) throw new UsageError('a subcommand is required (create, list, revoke or rotate)', keysHelp)
  const fail = (message: string) => {
    console.error(`${message}\n\n${keysHelp}`)
    process.exitCode = 2
  }
  if (!['create', 'list', 'revoke', 'rotate'].includes(subcommand))
    return fail(`unknown keys command: ${subcommand}`)
  const name = values.name?.trim()
  if (subcommand === 'create' && (!name || name.length > 64))
    return fail('--name is required (1-64 characters)')
  if (!ADMIN_SCOPES.includes(values.scope as AdminScope)) return fail('--scope must be read or write')
  let expiresDays: number | undefined
  if (values['expires-days'] !== undefined) {
    expiresDays = /^\d{1,4}$/.test(values['expires-days']) ? Number(values['expires-days']) : 0
    if (expiresDays < 1 || expiresDays > 3650)
      return fail('--expires-days must be a whole number from 1 to 3650')
  }
  if ((subcommand === 'revoke' || subcommand === 'rotate') && !(keyId && KEY_ID.test(keyId))) {
    return fail(`keys ${subcommand} needs a key id (10 characters, as shown by 'keys list')`)
  }

  if (values.d1 !== undefined) {
    if (subcommand !== 'create') {
      return fail(
        `keys ${subcommand} --d1 is not supported: run it with wrangler d1 execute (see README "Deploy to Cloudflare")`,
      )
    }
    const target = {
      database: values.d1,
      local: values.local,
      persistTo: values['persist-to'],
      config: values.config,
    }
    const now = Date.now()
    const create = (db: Db) =>
      createAdminKey(db, {
        name: name!,
        scope: values.scope as AdminScope,
        expiresAt: expiresDays === undefined ? undefined : now + expiresDays * DAY_MS,
        pepper: env.ADMIN_KEY_PEPPER || undefined,
        now,
      })
    let created: Awaited<ReturnType<typeof create>>
    if (target.local) created = await withLocalD1(target, create)
    else {
      const script = createSqlScript()
      created = await create(script.db)
      await executeOnD1(target, script.statements())
    }
    showOnce(created.key, created.info, 'Created')
    return
  }

  const config = parseEnv(env)
  // Read directly so the CLI needs no full server config; the server reads the same variable via config/env.ts.
  const pepper = env.ADMIN_KEY_PEPPER || undefined
  const database = openSqliteDb(config.databasePath)
  const now = Date.now()
  const expiresAt = expiresDays === undefined ? undefined : now + expiresDays * DAY_MS
  try {
    if (subcommand === 'create') {
      const created = await createAdminKey(database.db, {
        name: name!,
        scope: values.scope as AdminScope,
        expiresAt,
        pepper,
        now,
      })
      showOnce(created.key, created.info, 'Created')
    } else if (subcommand === 'rotate') {
      const rotated = await rotateAdminKey(database.db, keyId!, { expiresAt, pepper, now })
      if ('error' in rotated) {
        console.error(rotated.error === 'revoked' ? `key ${keyId} is revoked` : `no key ${keyId}`)
        process.exitCode = 1
        return
      }
      showOnce(rotated.key, rotated.info, `Rotated ${keyId}: new`)
      console.log(`The old key ${keyId} still works; revoke it with 'x402-analytics keys revoke ${keyId}'.`)
    } else if (subcommand === 'revoke') {
      const revoked = await revokeAdminKey(database.db, keyId!, now)
      if (!revoked) {
        console.error(`no active key ${keyId}`)
        process.exitCode = 1
        return
      }
      console.log(`Revoked admin key ${revoked.id} ("${revoked.name}")`)
    } else {
      const keys = await listAdminKeys(database.db)
      for (const key of keys) {
        if (values.json) console.log(JSON.stringify({ ...key, status: status(key, now) }))
        else {
          console.log(
            `${key.id}  ${status(key, now).padEnd(7)}  ${key.scope.padEnd(5)}  created ${iso(key.createdAt)}  expires ${iso(key.expiresAt)}  revoked ${iso(key.revokedAt)}  last used ${iso(key.lastUsedAt)}  ${JSON.stringify(key.name)}${key.rotatedFrom ? `  (rotated from ${key.rotatedFrom})` : ''}`,
          )
        }
      }
      if (!values.json) console.log(`${keys.length} key(s)`)
    }
  } finally {
    database.close()
  }
}
