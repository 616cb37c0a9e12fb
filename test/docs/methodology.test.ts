/**
 * docs/methodology.md stays in step with the code: every section reference resolves (and points at the section
 * that defines the thing cited), every source file it names exists, and no endpoint description carries a
 * developer's note to self instead of a statement of what the field is.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { catalog } from '../../src/catalog'

const ROOT = path.resolve(import.meta.dirname, '../..')
const doc = readFileSync(path.join(ROOT, 'docs/methodology.md'), 'utf8')

/** `## Q1. Quant metrics …` → { id: 'Q1', body }, for every numbered section (and `### T0. 1` sub-sections). */
function sections(): Map<string, string> {
  const out = new Map<string, string>()
  const parts = doc.split(/^#{2,3} /m).slice(1)
  for (const part of parts) {
    const id = /^([TQ]\d+)\./.exec(part)?.[1]
    if (id && !out.has(id)) out.set(id, part)
    else if (id) out.set(id, out.get(id)! + part)
  }
  return out
}

/** The section whose body contains `needle`. */
function sectionDefining(needle: string): string | undefined {
  for (const [id, body] of sections()) if (body.includes(needle)) return id
  return undefined
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : []
  })
}

describe('docs/methodology.md', () => {
  it('every §-reference in the doc and in the code points at a section that exists', () => {
    const ids = new Set(sections().keys())
    const cited = [...doc.matchAll(/§([TQ]\d+)/g)].map((m) => m[1]!)
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/methodology\.md §([TQ]\d+)(?:, §([TQ]\d+))?/g)) {
        cited.push(m[1]!, ...(m[2] ? [m[2]] : []))
      }
    }
    expect(cited.length).toBeGreaterThan(20)
    expect(cited.filter((id) => !ids.has(id))).toEqual([])
  })

  it('the shared conventions cite the sections that define skewness/kurtosis and the rounded prose', () => {
    const conventions = sections().get('Q0')!
    const skewSection = sectionDefining('| `skewness` |')
    const proseSection = sectionDefining('Prose templates')
    expect(skewSection).toBe('Q1')
    expect(proseSection).toBe('Q6')
    expect(conventions).toMatch(new RegExp(`sampleKurtosis\` \\(see §${skewSection}\\)`))
    expect(conventions).toMatch(new RegExp(`generated prose \\(§${proseSection}\\) rounds`))
  })

  it('every source file it names exists', () => {
    const named = [...doc.matchAll(/`(src\/[\w/.-]+\.ts)`/g)].map((m) => m[1]!)
    expect(named.length).toBeGreaterThan(0)
    expect(named.filter((f) => !existsSync(path.join(ROOT, f)))).toEqual([])
  })
})

describe('endpoint descriptions', () => {
  it.each(catalog.map((e) => [e.path, e] as const))('%s states what it returns, not plans', (_, endpoint) => {
    const text = `${endpoint.description} ${endpoint.methodology ?? ''}`
    expect(text).not.toMatch(/\buntil\b[^.]*\b(wired|implemented|added)\b|\bfor now\b|\bTODO\b|\bFIXME\b/i)
  })
})
