/** A one-line progress bar on stderr (redrawn in place on a TTY, milestone lines otherwise). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const width = 30
  let lastPrinted = -1
  return {
    update(fraction: number, detail = '') {
      const f = Math.max(0, Math.min(1, fraction))
      const pct = Math.floor(f * 100)
      if (stream.isTTY) {
        const filled = Math.round(f * width)
        stream.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${detail}`,
        )
      } else if (pct >= lastPrinted + 25) {
        lastPrinted = pct - (pct % 25)
        stream.write(`${label}: ${pct}% ${detail}\n`)
      }
    },
    done() {
      if (stream.isTTY) stream.write('\n')
    },
  }
}
