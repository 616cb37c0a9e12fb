/**
 * Rebuilds the devnet contracts from contracts/*.sol with the `solc` npm package and writes
 *   contracts/artifacts/<Name>.json   { contractName, abi, bytecode, deployedBytecode?, compiler }
 *     (deployedBytecode only for contracts without immutables: that runtime code can be etched as it is; the others
 *     must be deployed once and their code copied, since solc leaves their immutables zero-filled)
 *   contracts-abi/<name>.json         the ABI alone
 * and compiles Uniswap's Permit2 from the MIT source shipped in @uniswap/v4-periphery (lib/permit2) the same way.
 * Usage: npm run contracts:build
 * Takes about 6 s on the 2-core dev VM, 4 s of it Permit2 (via-IR, which it needs, and 1,000,000 optimizer runs,
 * as upstream builds it).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import solc from 'solc'

const require = createRequire(import.meta.url)
const root = path.resolve(import.meta.dirname, '..')
const contractsDir = path.join(root, 'contracts')
const permit2Dir = path.join(
  path.dirname(require.resolve('@uniswap/v4-periphery/package.json')),
  'lib/permit2',
)
const abiNames: Record<string, string> = {
  DevnetUSDC: 'usdc-eip3009.json',
  DevnetTMAI: 'erc20.json',
  X402ExactPermit2ProxyStandIn: 'x402-exact-permit2-proxy.json',
  X402UptoPermit2ProxyStandIn: 'x402-upto-permit2-proxy.json',
  X402BatchSettlementStandIn: 'x402-batch-settlement.json',
  ERC3009DepositCollectorStandIn: 'x402-erc3009-deposit-collector.json',
  Permit2DepositCollectorStandIn: 'x402-permit2-deposit-collector.json',
  Permit2: 'permit2.json',
}
/** Permit2's own foundry remappings (lib/permit2/remappings.txt), plus `permit2/` for the proxy stand-in's import. */
const remappings: [string, string][] = [
  ['permit2/', `${permit2Dir}/`],
  ['solmate/', `${permit2Dir}/lib/solmate/`],
]

interface CompiledContract {
  abi: unknown
  evm: {
    bytecode: { object: string }
    deployedBytecode: { object: string; immutableReferences?: Record<string, unknown> }
  }
}
type Compiled = Record<string, Record<string, CompiledContract>>

function findImports(importPath: string): { contents: string } | { error: string } {
  try {
    const remap = remappings.find(([prefix]) => importPath.startsWith(prefix))
    if (!remap) return { contents: readFileSync(require.resolve(importPath), 'utf8') }
    const contents = readFileSync(remap[1] + importPath.slice(remap[0].length), 'utf8')
    // Permit2 pins `pragma solidity 0.8.17` and the solc package is 0.8.37: relax the pin, change nothing else.
    return { contents: contents.replace(/^pragma solidity 0\.8\.17;/m, 'pragma solidity ^0.8.17;') }
  } catch {
    return { error: `not found: ${importPath}` }
  }
}

function compile(
  sources: Record<string, { content: string }>,
  optimizer: { runs: number; viaIR?: boolean },
): Compiled {
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: optimizer.runs },
      ...(optimizer.viaIR ? { viaIR: true } : {}),
      outputSelection: {
        '*': {
          '*': [
            'abi',
            'evm.bytecode.object',
            'evm.deployedBytecode.object',
            'evm.deployedBytecode.immutableReferences',
          ],
        },
      },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }))
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error')
  if (errors.length > 0) {
    for (const e of errors) console.error(e.formattedMessage)
    process.exit(1)
  }
  return output.contracts as Compiled
}

function write(contractName: string, compiled: CompiledContract): void {
  // Interfaces and abstract contracts have no code to deploy.
  if (compiled.evm.bytecode.object === '') return
  // The runtime code is only etchable as solc emits it when nothing in it is filled in at construction.
  const immutables = Object.keys(compiled.evm.deployedBytecode.immutableReferences ?? {}).length
  const artifact = {
    contractName,
    compiler: `solc ${solc.version()}`,
    abi: compiled.abi,
    bytecode: `0x${compiled.evm.bytecode.object}`,
    ...(immutables === 0 ? { deployedBytecode: `0x${compiled.evm.deployedBytecode.object}` } : {}),
  }
  writeFileSync(
    path.join(contractsDir, 'artifacts', `${contractName}.json`),
    `${JSON.stringify(artifact, null, 2)}\n`,
  )
  const abiName = abiNames[contractName]
  if (abiName)
    writeFileSync(path.join(root, 'contracts-abi', abiName), `${JSON.stringify(compiled.abi, null, 2)}\n`)
  console.log(`compiled ${contractName} (${artifact.bytecode.length / 2 - 1} bytes)`)
}

const sources = Object.fromEntries(
  readdirSync(contractsDir)
    .filter((file) => file.endsWith('.sol'))
    .map((file) => [file, { content: readFileSync(path.join(contractsDir, file), 'utf8') }]),
)
const started = Date.now()
const output = compile(sources, { runs: 200 })
mkdirSync(path.join(contractsDir, 'artifacts'), { recursive: true })
mkdirSync(path.join(root, 'contracts-abi'), { recursive: true })
for (const file of Object.keys(sources)) {
  for (const [contractName, compiled] of Object.entries(output[file]!)) write(contractName, compiled)
}

// Permit2 is not ours: compiled unmodified (apart from the pragma) from its npm source with upstream's settings
// (via-IR: the legacy pipeline hits "stack too deep" in SignatureTransfer).
const permit2Started = Date.now()
const permit2Source = 'permit2/src/Permit2.sol'
const permit2 = compile(
  { [permit2Source]: { content: (findImports(permit2Source) as { contents: string }).contents } },
  { runs: 1_000_000, viaIR: true },
)
write('Permit2', permit2[permit2Source]!.Permit2!)
console.log(`Permit2 took ${Date.now() - permit2Started} ms`)

// Multicall3 is not ours: its canonical creation code ships inside viem, which x402 clients use for diagnostics.
const viemContracts = readFileSync(
  path.join(path.dirname(require.resolve('viem')), '..', '_esm/constants/contracts.js'),
  'utf8',
)
const multicall3Bytecode = /multicall3Bytecode = '(0x[0-9a-f]+)'/.exec(viemContracts)?.[1]
if (!multicall3Bytecode) throw new Error('multicall3Bytecode not found in viem')
writeFileSync(
  path.join(contractsDir, 'artifacts', 'Multicall3.json'),
  `${JSON.stringify({ contractName: 'Multicall3', compiler: 'from viem constants', bytecode: multicall3Bytecode }, null, 2)}\n`,
)
console.log(`done in ${Date.now() - started} ms with solc ${solc.version()}`)
