import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** What the OS says about a process we may have started: enough to recognise it before signalling it. */

/** Exists and has not exited: a zombie (exited, not yet reaped by its new parent) does not count. */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM: it exists but is someone else's.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const state = process.platform === 'linux' ? procStat(pid)?.[0] : ps(pid, 'stat')?.[0]
  return state !== undefined && state !== 'Z' && state !== 'X'
}

/** The fields of /proc/<pid>/stat after the parenthesised name (which may itself hold spaces or parentheses). */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** The command line, space-joined; undefined when the process is gone (or a zombie, which has none). */
export function commandLine(pid: number): string | undefined {
  if (process.platform === 'linux') {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
      return argv.length ? argv.join(' ') : undefined
    } catch {
      return undefined
    }
  }
  return ps(pid, 'command')
}

export function parentPid(pid: number): number | undefined {
  const ppid = Number(process.platform === 'linux' ? procStat(pid)?.[1] : ps(pid, 'ppid'))
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined
}

function ps(pid: number, field: 'command' | 'ppid' | 'stat'): string | undefined {
  if (process.platform === 'win32') return undefined
  try {
    const out = execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8' }).trim()
    return out || undefined
  } catch {
    return undefined
  }
}
