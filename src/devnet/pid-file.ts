import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { z } from 'zod'
import { commandLine, parentPid, processRunning } from './process-info'

/**
 * The devnet's pid file, next to the database: which anvil this data directory's server started, so that the next
 * start can stop one a crashed run (SIGKILL, OOM) left behind. A process is only ever signalled when its pid and
 * its exact command line both match the record.
 */
export const DevnetPidRecord = z.object({
  pid: z.number().int().positive(),
  /** The server that started it. */
  ownerPid: z.number().int().positive(),
  /** anvil's argv, space-joined, as the OS reports it. */
  command: z.string().min(1),
  port: z.number().int(),
  startedAt: z.string(),
})
export type DevnetPidRecord = z.infer<typeof DevnetPidRecord>

export type LeftoverDevnet =
  | { kind: 'none' }
  /** The file named a process that is gone or is something else now: the file was removed, nothing signalled. */
  | { kind: 'stale'; pid: number }
  /** Our anvil, orphaned by a crash: stopped. */
  | { kind: 'stopped'; pid: number; port: number }
  /** Our anvil, still the child of its live server: left alone. */
  | { kind: 'in_use'; pid: number; ownerPid: number; port: number }

export function readDevnetPidFile(file: string): DevnetPidRecord | undefined {
  try {
    const parsed = DevnetPidRecord.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

export function writeDevnetPidFile(file: string, record: DevnetPidRecord): void {
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(record)}\n`)
  renameSync(temporary, file)
}

/** Removes the file if it still names `pid` (a newer start may have replaced it). */
export function removeDevnetPidFile(file: string, pid: number): void {
  if (readDevnetPidFile(file)?.pid === pid) rmSync(file, { force: true })
}

const isOurs = (record: DevnetPidRecord) =>
  processRunning(record.pid) && commandLine(record.pid) === record.command

async function waitUntilGone(record: DevnetPidRecord, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (isOurs(record)) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 25))
  }
  return true
}

/** Deals with whatever an earlier run recorded in `file`; see LeftoverDevnet. */
export async function stopLeftoverDevnet(file: string): Promise<LeftoverDevnet> {
  const record = readDevnetPidFile(file)
  if (!record) {
    rmSync(file, { force: true })
    return { kind: 'none' }
  }
  if (!isOurs(record)) {
    rmSync(file, { force: true })
    return { kind: 'stale', pid: record.pid }
  }
  if (processRunning(record.ownerPid) && parentPid(record.pid) === record.ownerPid) {
    return { kind: 'in_use', pid: record.pid, ownerPid: record.ownerPid, port: record.port }
  }
  process.kill(record.pid, 'SIGTERM')
  if (!(await waitUntilGone(record, 3000))) {
    process.kill(record.pid, 'SIGKILL')
    await waitUntilGone(record, 2000)
  }
  rmSync(file, { force: true })
  return { kind: 'stopped', pid: record.pid, port: record.port }
}
