/**
 * The architecture rules, checked over every import in src/ (type-only imports included), with TypeScript's own
 * import scanner:
 *   1. no import cycles;
 *   2. lower layers (the paid-request core, x402, payments, pricing, chain, analytics, market-data, db, lib, config)
 *      never import upper ones (entries, app, services, edge, http, catalog, admin, cli, ops, mcp);
 *   3. the lower layers know no web framework (no hono).
 * Exits 1 with every violation listed; prints a summary otherwise. `--help` explains.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const ROOT = path.resolve(import.meta.dirname, '..', 'src')
const LOWER = [
  'paid',
  'x402',
  'payments',
  'pricing',
  'chain',
  'analytics',
  'market-data',
  'db',
  'lib',
  'config',
]
const UPPER = [
  'app.ts',
  'services.ts',
  'node.ts',
  'worker.ts',
  'edge',
  'http',
  'catalog',
  'admin',
  'cli',
  'ops',
  'mcp',
]
const FRAMEWORK = /^(hono|@hono\/)/

if (process.argv.includes('--help')) {
  console.log(`Usage: tsx scripts/check-architecture.ts

Checks src/ for import cycles, for imports from lower layers (${LOWER.join(', ')})
into upper ones (${UPPER.join(', ')}), and for web-framework imports in lower layers.`)
  process.exit(0)
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return sourceFiles(full)
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : []
  })
}

/** The first path segment under src/ ("paid", "app.ts", …): the layer a file belongs to. */
const layerOf = (file: string) => path.relative(ROOT, file).split(path.sep)[0]!

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined
  const base = path.resolve(path.dirname(from), specifier)
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {}
  }
  throw new Error(`${path.relative(ROOT, from)}: cannot resolve ${specifier}`)
}

const files = sourceFiles(ROOT)
const graph = new Map<string, string[]>()
const problems: string[] = []
let edges = 0

for (const file of files) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
  const local: string[] = []
  for (const { fileName: specifier } of importedFiles) {
    const layer = layerOf(file)
    if (LOWER.includes(layer) && FRAMEWORK.test(specifier)) {
      problems.push(`framework in a lower layer: ${path.relative(ROOT, file)} imports ${specifier}`)
    }
    const target = resolveLocal(file, specifier)
    if (!target) continue
    local.push(target)
    edges++
    if (LOWER.includes(layer) && UPPER.includes(layerOf(target))) {
      problems.push(`upward import: ${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}`)
    }
  }
  graph.set(file, local)
}

// Cycles: depth-first search, reporting each cycle once by its smallest rotation.
const seenCycles = new Set<string>()
const state = new Map<string, 'open' | 'done'>()
function visit(file: string, trail: string[]) {
  state.set(file, 'open')
  for (const next of graph.get(file) ?? []) {
    if (state.get(next) === 'open') {
      const cycle = [...trail.slice(trail.indexOf(next)), next].map((f) => path.relative(ROOT, f))
      const body = cycle.slice(0, -1)
      const start = body.indexOf([...body].sort()[0]!)
      const key = [...body.slice(start), ...body.slice(0, start)].join(' -> ')
      if (!seenCycles.has(key)) {
        seenCycles.add(key)
        problems.push(`import cycle: ${cycle.join(' -> ')}`)
      }
    } else if (!state.has(next)) {
      visit(next, [...trail, next])
    }
  }
  state.set(file, 'done')
}
for (const file of files) if (!state.has(file)) visit(file, [file])

if (problems.length > 0) {
  console.error(
    `architecture check failed (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  )
  process.exit(1)
}
console.log(
  `architecture ok: ${files.length} modules, ${edges} local imports, no cycles, no upward imports from ${LOWER.join('/')}, no framework below http/`,
)
