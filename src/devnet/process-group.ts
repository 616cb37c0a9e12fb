import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { LeftoverDevnet } from './pid-file'

/** Helpers for the devnet chains we run as child processes (anvil, the local Solana chain). */

/** A running devnet chain process. */
export interface DevnetProcess {
  rpcUrl: string
  pid: number
  /** What the pid file said about an earlier run (`stopped`: an orphaned chain of ours was stopped first). */
  leftover: LeftoverDevnet
  stop(): Promise<void>
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv']

/**
 * `setpriv --pdeathsig SIGTERM --` when this is Linux and util-linux is there (it is on Debian and Ubuntu): the kernel
 * then sends the child SIGTERM when this process dies, even by SIGKILL. setpriv execs the command in place.
 */
export function parentDeathPrefix(): string[] {
  if (process.platform !== 'linux') return []
  const setpriv = SETPRIV.find((file) => existsSync(file))
  return setpriv ? [setpriv, '--pdeathsig', 'SIGTERM', '--'] : []
}

/** Signals the child's whole process group (it was spawned `detached`, so it leads its own). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}
