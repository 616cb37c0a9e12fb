/** For the memory probes (run with `node --expose-gc`): the resident set size in MB after full collections. */
export function settledRssMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('run with node --expose-gc')
  for (let i = 0; i < 4; i++) gc()
  return process.memoryUsage().rss / (1024 * 1024)
}
