import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)

export interface AnvilOptions {
  port: number
  host?: string
  chainId?: number
  /** Resolve once this many ms pass without the RPC answering. */
  startTimeoutMs?: number
  /** Unix seconds of the genesis block (tests give the chain a clock that lags the wall clock). */
  genesisTimestamp?: number
}

export interface AnvilInstance {
  rpcUrl: string
  pid: number
  stop(): Promise<void>
}

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
 * Starts anvil in its own process group, so stopping it (or our exit) leaves no orphans.
 * Resolves when the RPC answers.
 */
export async function startAnvil(options: AnvilOptions): Promise<AnvilInstance> {
  const host = options.host ?? '127.0.0.1'
  const rpcUrl = `http://${host}:${options.port}`
  if (await rpcAnswers(rpcUrl)) {
    throw new AnvilStartError(`port ${options.port} already answers JSON-RPC; choose another DEVNET_PORT`)
  }
  const child: ChildProcess = spawn(
    anvilBinaryPath(),
    [
      '--chain-id',
      String(options.chainId ?? 8453),
      '--port',
      String(options.port),
      '--host',
      host,
      '--silent',
      ...(options.genesisTimestamp === undefined ? [] : ['--timestamp', String(options.genesisTimestamp)]),
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  )
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
    if (!running) throw new AnvilStartError(`anvil exited during startup: ${stderr.trim() || 'no output'}`)
    if (Date.now() > deadline) {
      killGroup(child)
      throw new AnvilStartError(
        `anvil did not answer on ${rpcUrl} within ${options.startTimeoutMs ?? 10_000} ms`,
      )
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  const pid = child.pid ?? -1
  const onExit = () => killGroup(child)
  process.once('exit', onExit)
  return {
    rpcUrl,
    pid,
    async stop() {
      process.off('exit', onExit)
      if (!running) return
      killGroup(child)
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
    },
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    // already gone
  }
}
