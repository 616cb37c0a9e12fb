import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CRONS } from './schedule'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

describe('wrangler.toml and the Worker agree', () => {
  const toml = readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')

  it('its cron triggers are exactly the ones scheduled() dispatches on', () => {
    const crons = /^crons\s*=\s*\[(.*)\]\s*$/m.exec(toml)?.[1]
    expect(crons).toBeDefined()
    expect([...crons!.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(Object.values(CRONS).sort())
  })

  it('D1 migrations are the drizzle migration files, named as wrangler applies them, all in the journal', () => {
    const dir = /^migrations_dir\s*=\s*"([^"]+)"/m.exec(toml)?.[1]
    expect(dir).toBe('src/db/migrations')
    const files = readdirSqlFiles(path.join(ROOT, dir!))
    const journal = JSON.parse(readFileSync(path.join(ROOT, dir!, 'meta', '_journal.json'), 'utf8')) as {
      entries: { tag: string }[]
    }
    expect(files).toEqual(journal.entries.map((e) => `${e.tag}.sql`))
    for (const file of files) expect(file).toMatch(/^\d{4}_[a-z0-9_]+\.sql$/)
  })

  it('no secret is a plain [vars] entry', () => {
    const vars = toml.slice(toml.indexOf('[vars]'))
    expect(vars).not.toMatch(/^\s*(SETTLER_PRIVATE_KEY|ADMIN_KEY_PEPPER)\s*=/m)
  })
})

function readdirSqlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
}
