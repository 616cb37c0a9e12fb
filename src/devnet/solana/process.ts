import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { type LeftoverDevnet, removeDevnetPidFile, stopLeftoverDevnet, writeDevnetPidFile } from '../pid-file'
import { type DevnetProcess, killGroup, parentDeathPrefix } from '../process-group'

/** Starts the local Solana chain (./main.ts) as its own process, as startAnvil does for the EVM devnet. */

export const SOLANA_DEVNET_READY = 'solana-devnet ready'
export const DEFAULT_SOLANA_DEVNET_PORT = 8899

export interface SolanaDevnetOptions {
  /** Default $SOLANA_DEVNET_PORT or 8899. */
  port?: number
  host?: string
  /** Give up (and stop the child) when it has not printed its ready line by then. Default 30 s (cold tsx compile). */
  startTimeoutMs?: number
  slotMs?: number
  blockhashValiditySlots?: number
  /** As for anvil: record the child so the next start with the same file stops one a crashed run left behind. */
  pidFile?: string
  /** Linux: the kernel sends the child SIGTERM when this process dies (setpriv --pdeathsig). Default true. */
  dieWithParent?: boolean
}

export type SolanaDevnetProcess = DevnetProcess

export class SolanaDevnetStartError extends Error {
  override name = 'SolanaDevnetStartError'
}

const require = createRequire(import.meta.url)
const MAIN = path.join(import.meta.dirname, 'main.ts')

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) })
    return res.ok && (await res.text()) === 'ok'
  } catch {
    return false
  }
}

/** Resolves once the ready line is printed; rejects if the child exits first or the deadline passes. */
function waitForReady(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(
      () => finish(new SolanaDevnetStartError(`no ready line within ${timeoutMs} ms`)),
      timeoutMs,
    )
    const onStdout = (chunk: Buffer) => {
      stdout += chunk.toString()
      const line = stdout.split('\n').find((text) => text.startsWith(SOLANA_DEVNET_READY))
      const url = line?.slice(SOLANA_DEVNET_READY.length).trim().split(' ')[0]
      if (url) finish(undefined, url)
      else if (stdout.length > 64 * 1024) stdout = stdout.slice(-1024)
    }
    const onStderr = (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4096)
    }
    const onExit = (code: number | null) =>
      finish(
        new SolanaDevnetStartError(`exited during startup (code ${code}): ${stderr.trim() || 'no output'}`),
      )
    function finish(error?: Error, url?: string) {
      clearTimeout(timer)
      child.stdout?.off('data', onStdout)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve(url!)
    }
    child.stdout?.on('data', onStdout)
    child.stderr?.on('data', onStderr)
    child.once('exit', onExit)
  })
}

/**
 * Runs the chain in its own process group (stopping it, or our exit, leaves no orphan; on Linux it also dies with us
 * on a crash, and it exits when its stdin, a pipe from us, closes). Resolves when it answers GET /health.
 */
export async function startSolanaDevnet(options: SolanaDevnetOptions = {}): Promise<SolanaDevnetProcess> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? Number(process.env.SOLANA_DEVNET_PORT ?? DEFAULT_SOLANA_DEVNET_PORT)
  const leftover: LeftoverDevnet = options.pidFile
    ? await stopLeftoverDevnet(options.pidFile)
    : { kind: 'none' }
  if (leftover.kind === 'in_use') {
    throw new SolanaDevnetStartError(
      `the Solana devnet of this data directory (pid ${leftover.pid}, port ${leftover.port}) belongs to the running server pid ${leftover.ownerPid}`,
    )
  }
  if (port !== 0 && (await healthy(`http://${host}:${port}`))) {
    throw new SolanaDevnetStartError(
      `port ${port} already answers; stop that node or choose another SOLANA_DEVNET_PORT`,
    )
  }
  const tsx = pathToFileURL(require.resolve('tsx')).href
  const args = [
    '--import',
    tsx,
    MAIN,
    '--port',
    String(port),
    '--host',
    host,
    '--exit-with-stdin',
    ...(options.slotMs ? ['--slot-ms', String(options.slotMs)] : []),
    ...(options.blockhashValiditySlots
      ? ['--blockhash-validity-slots', String(options.blockhashValiditySlots)]
      : []),
  ]
  const [command, ...prefixArgs] = [
    ...(options.dieWithParent === false ? [] : parentDeathPrefix()),
    process.execPath,
  ]
  const child = spawn(command!, [...prefixArgs, ...args], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
  if (options.pidFile && child.pid !== undefined) {
    writeDevnetPidFile(options.pidFile, {
      pid: child.pid,
      ownerPid: process.pid,
      command: [process.execPath, ...args].join(' '),
      port,
      startedAt: new Date().toISOString(),
    })
  }
  const forget = () => {
    if (options.pidFile && child.pid !== undefined) removeDevnetPidFile(options.pidFile, child.pid)
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let running = true
  void exited.then(() => {
    running = false
  })
  let rpcUrl: string
  try {
    rpcUrl = await waitForReady(child, options.startTimeoutMs ?? 30_000)
    if (!(await healthy(rpcUrl))) throw new SolanaDevnetStartError(`${rpcUrl}/health does not answer "ok"`)
  } catch (error) {
    killGroup(child, 'SIGKILL')
    forget()
    throw error
  }
  // Keep draining its output; the child must not hold this process's event loop open.
  child.stdout?.resume()
  child.unref()
  // The pipes are sockets (net.Socket) at run time; their typings only say Readable/Writable.
  for (const pipe of [child.stdin, child.stdout, child.stderr])
    (pipe as unknown as { unref?: () => void })?.unref?.()
  const onExit = () => {
    killGroup(child)
    forget()
  }
  process.once('exit', onExit)
  return {
    rpcUrl,
    pid: child.pid ?? -1,
    leftover,
    async stop() {
      process.off('exit', onExit)
      if (running) {
        killGroup(child)
        const gone = await Promise.race([
          exited.then(() => true),
          new Promise((r) => setTimeout(r, 3000, false)),
        ])
        if (!gone) killGroup(child, 'SIGKILL')
      }
      forget()
    },
  }
}
