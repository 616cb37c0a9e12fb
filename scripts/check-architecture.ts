/**
 * The architecture rules, checked over every import in src/ (type-only imports included) with TypeScript's own
 * scanner and parser:
 *   1. layers in order: an import points only to its own layer or a lower one (LAYERS, lowest first);
 *   2. the doors (http, mcp, admin, ops) never import each other: what they share lives below them;
 *   3. no web framework (hono) below the doors;
 *   4. no import cycles;
 *   5. on the money path (MONEY_PATH) no module over MAX_MODULE_LINES lines and no function over MAX_FUNCTION_LINES.
 * Exits 1 with every violation listed; prints one summary line otherwise. `--help` explains.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const ROOT = path.resolve(import.meta.dirname, '..', 'src')
/** Lowest first. A layer is the first path segment under src/ (a folder, or a top-level file). */
const LAYERS: readonly (readonly string[])[] = [
  ['lib', 'config'],
  ['db'],
  ['market-data', 'analytics', 'chain', 'devnet'],
  ['pricing', 'x402'],
  ['payments'],
  ['paid'],
  ['catalog'],
  ['http', 'mcp', 'admin', 'ops'],
  ['app.ts', 'services.ts', 'node.ts', 'worker.ts', 'edge', 'cli'],
]
const DOORS = ['http', 'mcp', 'admin', 'ops']
const FRAMEWORK = /^(hono|@hono\/)/
const MONEY_PATH = ['paid', 'x402', 'payments', 'http']
const MAX_MODULE_LINES = 500
const MAX_FUNCTION_LINES = 120

const rankOf = new Map(LAYERS.flatMap((layer, rank) => layer.map((name) => [name, rank] as const)))
const DOOR_RANK = rankOf.get(DOORS[0]!)!
const describeLayers = LAYERS.map((layer) => layer.join('/')).join(' < ')

if (process.argv.includes('--help')) {
  console.log(`Usage: tsx scripts/check-architecture.ts

Checks every import in src/ (tests excluded):
  layers in order   ${describeLayers}
                    (an import points to its own layer or a lower one)
  doors apart       ${DOORS.join(', ')} never import each other
  no framework      no hono below the doors
  no cycles
  money path sizes  in ${MONEY_PATH.join('/, ')}/: modules at most ${MAX_MODULE_LINES} lines, functions at most ${MAX_FUNCTION_LINES}
Exits 1 listing every violation; otherwise prints one summary line.`)
  process.exit(0)
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return sourceFiles(full)
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : []
  })
}

const relative = (file: string) => path.relative(ROOT, file)
/** The first path segment under src/ ("paid", "app.ts", …): the layer a file belongs to. */
const layerOf = (file: string) => relative(file).split(path.sep)[0]!

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined
  const base = path.resolve(path.dirname(from), specifier)
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {}
  }
  throw new Error(`${relative(from)}: cannot resolve ${specifier}`)
}

const files = sourceFiles(ROOT)
const graph = new Map<string, string[]>()
const problems: string[] = []
let edges = 0

for (const file of files) {
  const layer = layerOf(file)
  const rank = rankOf.get(layer)
  if (rank === undefined) {
    problems.push(`no layer: ${relative(file)} (add ${layer} to LAYERS in scripts/check-architecture.ts)`)
    continue
  }
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
  const local: string[] = []
  for (const { fileName: specifier } of importedFiles) {
    if (rank < DOOR_RANK && FRAMEWORK.test(specifier)) {
      problems.push(`framework below the doors: ${relative(file)} imports ${specifier}`)
    }
    const target = resolveLocal(file, specifier)
    if (!target) continue
    local.push(target)
    edges++
    const targetLayer = layerOf(target)
    const targetRank = rankOf.get(targetLayer)
    if (targetRank !== undefined && targetRank > rank) {
      problems.push(
        `upward import (${layer} → ${targetLayer}): ${relative(file)} imports ${relative(target)}`,
      )
    } else if (DOORS.includes(layer) && DOORS.includes(targetLayer) && layer !== targetLayer) {
      problems.push(
        `door imports door (${layer} → ${targetLayer}): ${relative(file)} imports ${relative(target)}`,
      )
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
      const cycle = [...trail.slice(trail.indexOf(next)), next].map(relative)
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

// Sizes on the money path: lines of each module, and of each function (a closure counts with everything inside it).
const longest = { module: { lines: 0, name: '' }, fn: { lines: 0, name: '' } }
for (const file of files.filter((f) => MONEY_PATH.includes(layerOf(f)))) {
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1
  const moduleLines = lineOf(text.trimEnd().length)
  if (moduleLines > longest.module.lines) longest.module = { lines: moduleLines, name: relative(file) }
  if (moduleLines > MAX_MODULE_LINES) {
    problems.push(`module over ${MAX_MODULE_LINES} lines: ${relative(file)} (${moduleLines})`)
  }
  const measure = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = lineOf(node.getStart(source))
      const lines = lineOf(node.getEnd()) - start + 1
      const name = `${relative(file)}:${start} ${functionName(node)}`
      if (lines > longest.fn.lines) longest.fn = { lines, name }
      if (lines > MAX_FUNCTION_LINES)
        problems.push(`function over ${MAX_FUNCTION_LINES} lines: ${name} (${lines})`)
    }
    ts.forEachChild(node, measure)
  }
  measure(source)
}

function functionName(node: ts.SignatureDeclaration): string {
  if (node.name) return node.name.getText()
  const parent = node.parent
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText()
  return '(anonymous)'
}

if (problems.length > 0) {
  console.error(
    `architecture check failed (${problems.length}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  )
  process.exit(1)
}
console.log(
  `architecture ok: ${files.length} modules, ${edges} local imports; rules checked: layers in order (${describeLayers}), ` +
    `doors apart, no framework below the doors, no cycles, money path sizes (longest module ${longest.module.name} ` +
    `${longest.module.lines}/${MAX_MODULE_LINES} lines, longest function ${longest.fn.name} ${longest.fn.lines}/${MAX_FUNCTION_LINES})`,
)
