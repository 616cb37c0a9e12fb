/**
 * The README's first command (`npm install`) on a fresh clone leaves the tree clean: the committed lockfile is exactly
 * what npm writes for package.json, and every dependency install script is reviewed (allowed or denied), so no
 * "install scripts not covered by allowScripts" warning appears.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '../..')

describe('npm install on a fresh clone', () => {
  it('rewrites nothing in package-lock.json', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lockfile-'))
    for (const file of ['package.json', 'package-lock.json'])
      copyFileSync(path.join(ROOT, file), path.join(dir, file))
    await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: dir,
    })
    expect(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).toBe(
      readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'),
    )
  })

  it('has every dependency install script reviewed in allowScripts', { timeout: 60_000 }, async () => {
    const { stdout, stderr } = await run('npm', ['install-scripts', 'ls'], { cwd: ROOT })
    expect(`${stdout}${stderr}`).toMatch(/No packages with unreviewed install scripts/)
  })
})
