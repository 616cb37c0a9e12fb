import { createServer } from 'node:net'
import { type Address, createPublicClient, createTestClient, http } from 'viem'
import { erc20Abi } from '../../src/chain/abis'
import { NETWORKS } from '../../src/config/networks'
import { startAnvil } from '../../src/devnet/anvil'
import { devnetChain, setupDevnet } from '../../src/devnet/setup'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** A fresh anvil chain prepared exactly as `npm start` prepares it (DESIGN.md §2), private to one test file. */
export async function startTestDevnet(options: { genesisTimestamp?: number } = {}) {
  const anvil = await startAnvil({ port: await freePort(), genesisTimestamp: options.genesisTimestamp })
  await setupDevnet(anvil.rpcUrl)
  const chain = devnetChain(anvil.rpcUrl)
  const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) })
  const testClient = createTestClient({ chain, mode: 'anvil', transport: http(anvil.rpcUrl) })
  const usdc = NETWORKS.devnet.usdc.address
  return {
    rpcUrl: anvil.rpcUrl,
    chain,
    client,
    testClient,
    usdcBalance: (owner: Address) =>
      client.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [owner] }),
    stop: () => anvil.stop(),
  }
}

export type TestDevnet = Awaited<ReturnType<typeof startTestDevnet>>
