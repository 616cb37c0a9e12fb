/**
 * Rebuilds the devnet contracts from contracts/*.sol with the `solc` npm package and writes
 *   contracts/artifacts/<Name>.json   { contractName, abi, bytecode, compiler }
 *   contracts-abi/<name>.json         the ABI alone
 * Usage: npm run contracts:build
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import solc from 'solc'

const require = createRequire(import.meta.url)
const root = path.resolve(import.meta.dirname, '..')
const contractsDir = path.join(root, 'contracts')
const abiNames: Record<string, string> = { DevnetUSDC: 'usdc-eip3009.json', DevnetTMAI: 'erc20.json' }

function findImports(importPath: string): { contents: string } | { error: string } {
  try {
    return { contents: readFileSync(require.resolve(importPath), 'utf8') }
  } catch {
    return { error: `not found: ${importPath}` }
  }
}

const sources = Object.fromEntries(
  readdirSync(contractsDir)
    .filter((file) => file.endsWith('.sol'))
    .map((file) => [file, { content: readFileSync(path.join(contractsDir, file), 'utf8') }]),
)
const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
}
const started = Date.now()
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }))
const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error')
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage)
  process.exit(1)
}
mkdirSync(path.join(contractsDir, 'artifacts'), { recursive: true })
mkdirSync(path.join(root, 'contracts-abi'), { recursive: true })
for (const file of Object.keys(sources)) {
  for (const [contractName, compiled] of Object.entries(
    output.contracts[file] as Record<string, { abi: unknown; evm: { bytecode: { object: string } } }>,
  )) {
    const artifact = {
      contractName,
      compiler: `solc ${solc.version()}`,
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
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
}
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
