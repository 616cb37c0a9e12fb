import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The README must stand on its own: every file it links to or names exists in this repository. Checked: relative
 * Markdown links, `NAME.md`-style mentions (anywhere in the text) and repository paths in code spans
 * (`src/…`, `docs/…`, …). Data examples outside the repository (`../shared/data/*.csv`) are not files we ship and
 * are allowed only as CSV examples.
 */
const root = path.resolve(import.meta.dirname, '../..')
const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
const SKIP_DIRS = new Set(['node_modules', '.git', 'data', 'coverage', '.tmp'])

function repositoryFiles(dir = root, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) repositoryFiles(path.join(dir, entry.name), out)
    } else out.push(path.relative(root, path.join(dir, entry.name)).split(path.sep).join('/'))
  }
  return out
}
const files = repositoryFiles()

/** Inside the repository (no `..` escape) and present; a bare name may be any file of that name (`tmai-pricing.md`). */
function exists(reference: string, { bareName }: { bareName: boolean }): boolean {
  const resolved = path.resolve(root, reference)
  if (resolved !== root && !resolved.startsWith(root + path.sep)) return false
  if (existsSync(resolved)) return true
  return bareName && !reference.includes('/') && files.some((f) => f.endsWith(`/${reference}`))
}

const links = [...readme.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
  .map((m) => m[1]!)
  .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
  .map((target) => decodeURI(target.split('#')[0]!))
const mentions = [...readme.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w.-]+\.md)\b/g)].map((m) => m[1]!)
const codePaths = [
  ...readme.matchAll(/`((?:src|test|docs|bench|scripts|contracts|contracts-abi|bin)\/[\w./-]*)`/g),
].map((m) => m[1]!.replace(/\/$/, ''))
const outside = [...readme.matchAll(/(?<![\w/.-])(\.\.\/[\w./-]+)/g)].map((m) => m[1]!)

describe('README.md', () => {
  it('finds what it checks (the extraction itself works)', () => {
    expect(links).toContain('docs/methodology.md')
    expect(links).toContain('.env.example')
    expect(codePaths).toContain('src/config/env.ts')
  })

  it('links only to files in the repository', () => {
    expect(links.filter((target) => !exists(target, { bareName: false }))).toEqual([])
  })

  it('names no .md document the repository does not have', () => {
    expect(mentions.filter((name) => !exists(name, { bareName: true }))).toEqual([])
  })

  it('names no repository path that does not exist', () => {
    expect(codePaths.filter((p) => !exists(p, { bareName: false }))).toEqual([])
  })

  it('points outside the repository only for example CSV data', () => {
    expect(outside.filter((p) => !/^\.\.\/shared\/data\/[\w.-]+\.csv$/.test(p))).toEqual([])
  })
})
