/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Exposition {
  /** `# TYPE` per metric family. */
  types: Map<string, string>
  samples: Sample[]
  /** Samples of `name` whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[]
  /** The one sample of `name` with exactly these label values among its labels; undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** A strict-enough parser of the text format (version 0.0.4): every non-comment line must be a sample. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      types.set(name!, type!)
      continue
    }
    if (line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key!] = raw!.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch))
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) })
  }
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  return {
    types,
    samples,
    find,
    value(name, labels) {
      const found = find(name, labels)
      if (found.length > 1)
        throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
      return found[0]?.value
    },
  }
}
