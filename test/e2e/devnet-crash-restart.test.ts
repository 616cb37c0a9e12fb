import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createPublicClient, http } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import { processRunning } from '../../src/devnet/process-info'
import { freePort } from '../helpers/devnet'

/**
 * A crash of the real server process (`tsx src/cli/main.ts serve`, what `npm start` runs) with SIGKILL, then a new
 * start on the same data directory and DEVNET_PORT: the devnet of the crashed run must not stand in the way.
 */
const root = path.resolve(import.meta.dirname, '../..')
const tsx = path.join(root, 'node_modules/.bin/tsx')

const parentDeathSignal = process.platform === 'linux' && existsSync('/usr/bin/setpriv')

/** Running, not a zombie: an orphan that exited may wait a while to be reaped by init. */
const alive = processRunning

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Pids of anvil processes listening on `port` (there is one per devnet). */
function anvilsOn(port: number): number[] {
  const out = execFileSync('sh', ['-c', `pgrep -f -- "anvil.*--port ${port}( |$)" || true`], {
    encoding: 'utf8',
  })
  return out
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0)
}

interface Serve {
  child: ChildProcess
  url: string
  /** The server process itself (tsx runs the entry in a child of its own). */
  serverPid: number
  exited: Promise<number | null>
  output: () => string
}

const started: ChildProcess[] = []
const anvils = new Set<number>()
afterEach(() => {
  // Leave nothing behind, even when an assertion failed half way: only what this test started.
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }
  }
  for (const pid of anvils) {
    try {
      if (alive(pid)) process.kill(pid, 'SIGKILL')
    } catch {}
  }
  anvils.clear()
})

async function serve(env: Record<string, string>): Promise<Serve> {
  const child = spawn(tsx, ['src/cli/main.ts', 'serve'], {
    cwd: root,
    env: { ...process.env, ...env },
    detached: true, // its own process group, like a terminal job
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let gone = false
  void exited.then(() => {
    gone = true
  })
  const url = await waitFor('the server banner', () => {
    if (gone) throw new Error(`serve exited before listening:\n${output}`)
    return /listening on (http:\/\/\S+)/.exec(output)?.[1]
  })
  const children = execFileSync('sh', ['-c', `pgrep -P ${child.pid} || true`], { encoding: 'utf8' })
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0)
  return { child, url, serverPid: children[0] ?? child.pid!, exited, output: () => output }
}

describe('crash and restart on the devnet', () => {
  it('after kill -9 of the server, a new start on the same data directory and DEVNET_PORT comes up', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-crash-'))
    const devnetPort = await freePort()
    const env = {
      NETWORK: 'devnet',
      PORT: '0',
      DEVNET_PORT: String(devnetPort),
      DATABASE_PATH: path.join(dir, 'data', 'db.sqlite'),
      FIRST_RUN_INGEST: 'false',
      MARKET_DATA_CSV: '',
      MARKET_DATA_REFRESH_MINUTES: '0',
      LOG_LEVEL: 'info',
    }
    const first = await serve(env)
    const [firstAnvil] = anvilsOn(devnetPort)
    expect(firstAnvil).toBeGreaterThan(0)
    anvils.add(firstAnvil!)
    expect((await fetch(`${first.url}/health`)).status).toBe(200)

    process.kill(first.serverPid, 'SIGKILL')
    await first.exited
    if (parentDeathSignal) {
      // Linux: the kernel's parent-death signal stops anvil with the server; no restart needed to clean up.
      await waitFor('the orphaned anvil to exit', () => (alive(firstAnvil!) ? undefined : true), 3_000)
    }

    const second = await serve(env)
    const [secondAnvil, ...more] = anvilsOn(devnetPort)
    anvils.add(secondAnvil!)
    expect(more).toEqual([])
    expect(secondAnvil).not.toBe(firstAnvil)
    expect(alive(firstAnvil!)).toBe(false)
    expect((await fetch(`${second.url}/health`)).status).toBe(200)
    const client = createPublicClient({ transport: http(`http://127.0.0.1:${devnetPort}`) })
    expect(await client.getChainId()).toBe(8453)

    // A clean stop takes its devnet with it and leaves no pid file behind.
    process.kill(second.serverPid, 'SIGTERM')
    await second.exited
    await waitFor('anvil to stop', () => (alive(secondAnvil!) ? undefined : true), 5_000)
    expect(existsSync(path.join(dir, 'data', 'devnet-anvil.pid'))).toBe(false)
  }, 120_000)
})

describe('the devnet pid file', () => {
  /** A separate Node process that starts anvil the way the server does and then idles: a server to crash. */
  async function owner(port: number, pidFile: string, dieWithParent: boolean) {
    const script = `
      const { startAnvil } = await import(${JSON.stringify(path.join(root, 'src/devnet/anvil.ts'))})
      const anvil = await startAnvil({ port: ${port}, pidFile: ${JSON.stringify(pidFile)}, dieWithParent: ${dieWithParent} })
      console.log('anvil ' + anvil.pid)
      setInterval(() => {}, 60_000)`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    started.push(child)
    let output = ''
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString()
    })
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString()
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    const anvilPid = Number(await waitFor(`anvil in ${output}`, () => /anvil (\d+)/.exec(output)?.[1]))
    anvils.add(anvilPid)
    return { child, anvilPid, exited }
  }

  it('finds an orphaned anvil of a crashed run and stops it before starting (no parent-death signal)', async () => {
    const pidFile = path.join(mkdtempSync(path.join(tmpdir(), 'x402-pid-')), 'devnet-anvil.pid')
    const port = await freePort()
    const crashed = await owner(port, pidFile, false)
    process.kill(crashed.child.pid!, 'SIGKILL')
    await crashed.exited
    await new Promise((r) => setTimeout(r, 300))
    expect(alive(crashed.anvilPid)).toBe(true) // orphaned: the situation the pid file is for

    const { startAnvil } = await import('../../src/devnet/anvil')
    const anvil = await startAnvil({ port, pidFile })
    anvils.add(anvil.pid)
    try {
      expect(anvil.leftover).toEqual({ kind: 'stopped', pid: crashed.anvilPid, port })
      expect(alive(crashed.anvilPid)).toBe(false)
      expect(anvilsOn(port)).toEqual([anvil.pid])
      expect(JSON.parse(readFileSync(pidFile, 'utf8'))).toMatchObject({
        pid: anvil.pid,
        ownerPid: process.pid,
        port,
      })
    } finally {
      await anvil.stop()
    }
    expect(existsSync(pidFile)).toBe(false)
  }, 60_000)

  it('never signals a process the pid file names unless it is our anvil, and leaves a live server its devnet', async () => {
    const { startAnvil, anvilBinaryPath } = await import('../../src/devnet/anvil')
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-pid-'))
    const pidFile = path.join(dir, 'devnet-anvil.pid')

    // A pid file naming an unrelated process (here `sleep`, as after pid reuse): untouched, the file replaced.
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' })
    started.push(stranger)
    const port = await freePort()
    writeFileSync(
      pidFile,
      JSON.stringify({
        pid: stranger.pid,
        ownerPid: 999_999,
        command: `${anvilBinaryPath()} --chain-id 8453 --port ${port} --host 127.0.0.1 --silent`,
        port,
        startedAt: new Date().toISOString(),
      }),
    )
    const anvil = await startAnvil({ port, pidFile })
    anvils.add(anvil.pid)
    expect(anvil.leftover).toEqual({ kind: 'stale', pid: stranger.pid })
    expect(alive(stranger.pid!)).toBe(true)
    await anvil.stop()

    // A devnet whose server is alive belongs to that server: refused, nothing signalled.
    const running = await owner(await freePort(), pidFile, true)
    await expect(startAnvil({ port: await freePort(), pidFile })).rejects.toThrow(
      new RegExp(`anvil pid ${running.anvilPid}, .* belongs to the running server pid ${running.child.pid}`),
    )
    expect(alive(running.anvilPid)).toBe(true)
    process.kill(running.child.pid!, 'SIGKILL')
    await running.exited
    if (parentDeathSignal) {
      await waitFor('anvil to die with its server', () => (alive(running.anvilPid) ? undefined : true), 3_000)
    }
  }, 60_000)
})
