import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { type LeftoverDevnet, removeDevnetPidFile, stopLeftoverDevnet, writeDevnetPidFile } from './pid-file'
import { type DevnetProcess, killGroup, parentDeathPrefix } from './process-group'

const require = createRequire(import.meta.url)

export interface AnvilOptions {
  port: number
  host?: string
  chainId?: number
  /** Resolve once this many ms pass without the RPC answering. */
  startTimeoutMs?: number
  /** Unix seconds of the genesis block (tests give the chain a clock that lags the wall clock). */
  genesisTimestamp?: number
  /**
   * Where to record the child (pid, command line), so the next start with the same file can stop an anvil a
   * crashed run left behind. Without it, nothing is recorded.
   */
  pidFile?: string
  /**
   * Linux: have the kernel send anvil SIGTERM when this process dies, even by SIGKILL (util-linux `setpriv
   * --pdeathsig`, which execs anvil in place). Default true; elsewhere only the pid file helps.
   */
  dieWithParent?: boolean
}

export type AnvilInstance = DevnetProcess

export class AnvilStartError extends Error {
  override name = 'AnvilStartError'
}

/** The platform binary shipped by @foundry-rs/anvil (spawned directly: no wrapper process, no download). */
export function anvilBinaryPath(): string {
  const platform = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`
  const packageJson = require.resolve(`@foundry-rs/anvil-${platform}/package.json`)
  return path.join(path.dirname(packageJson), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
}

async function rpcAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(500),
    })
    return res.ok
  } catch {
    return false
  }
}

/**
 * Starts anvil in its own process group, so stopping it (or our exit) leaves no orphans; on Linux it also dies
 * with us on a crash. With `pidFile`, an anvil of ours that an earlier, crashed run left behind is stopped first.
 * Resolves when the RPC answers.
 */
export async function startAnvil(options: AnvilOptions): Promise<AnvilInstance> {
  const host = options.host ?? '127.0.0.1'
  const rpcUrl = `http://${host}:${options.port}`
  const leftover: LeftoverDevnet = options.pidFile
    ? await stopLeftoverDevnet(options.pidFile)
    : { kind: 'none' }
  if (leftover.kind === 'in_use') {
    throw new AnvilStartError(
      `the devnet of this data directory (anvil pid ${leftover.pid}, port ${leftover.port}) belongs to the running server pid ${leftover.ownerPid}; stop that server or use another DATABASE_PATH`,
    )
  }
  if (await rpcAnswers(rpcUrl)) {
    throw new AnvilStartError(
      `port ${options.port} already answers JSON-RPC, and not as a devnet this data directory started; stop that node or choose another DEVNET_PORT`,
    )
  }
  const binary = anvilBinaryPath()
  const args = [
    '--chain-id',
    String(options.chainId ?? 8453),
    '--port',
    String(options.port),
    '--host',
    host,
    '--silent',
    ...(options.genesisTimestamp === undefined ? [] : ['--timestamp', String(options.genesisTimestamp)]),
  ]
  const [command, ...prefixArgs] = [...(options.dieWithParent === false ? [] : parentDeathPrefix()), binary]
  const child: ChildProcess = spawn(command!, [...prefixArgs, ...args], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  if (options.pidFile && child.pid !== undefined) {
    writeDevnetPidFile(options.pidFile, {
      pid: child.pid,
      ownerPid: process.pid,
      // What the OS will report once setpriv has exec'd anvil in place.
      command: [binary, ...args].join(' '),
      port: options.port,
      startedAt: new Date().toISOString(),
    })
  }
  const forget = () => {
    if (options.pidFile && child.pid !== undefined) removeDevnetPidFile(options.pidFile, child.pid)
  }
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000)
  let running = true
  void exited.then(() => {
    running = false
  })
  while (!(await rpcAnswers(rpcUrl))) {
    if (!running) {
      forget()
      throw new AnvilStartError(`anvil exited during startup: ${stderr.trim() || 'no output'}`)
    }
    if (Date.now() > deadline) {
      killGroup(child)
      forget()
      throw new AnvilStartError(
        `anvil did not answer on ${rpcUrl} within ${options.startTimeoutMs ?? 10_000} ms`,
      )
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  const pid = child.pid ?? -1
  const onExit = () => {
    killGroup(child)
    forget()
  }
  process.once('exit', onExit)
  return {
    rpcUrl,
    pid,
    leftover,
    async stop() {
      process.off('exit', onExit)
      if (running) {
        killGroup(child)
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
      }
      forget()
    },
  }
}
