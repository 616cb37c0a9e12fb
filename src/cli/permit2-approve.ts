import { createPublicClient, createWalletClient, encodeFunctionData, http, isHex, maxUint256 } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { erc20Abi } from '../chain/abis'
import { CANONICAL, chainFor, NETWORKS, type NetworkName } from '../config/networks'
import { parseCommandArgs } from './args'

export const permit2ApproveHelp = `Usage: x402-analytics permit2-approve --token TMAI [--amount N|max] [--rpc-url URL] [--network devnet|base|base-sepolia] [--dry-run]

Approves Uniswap Permit2 (${CANONICAL.permit2}) to move your TMAI, once, so you can pay in TMAI
(x402 "exact" with Permit2: each payment is still a separate signed permit for one exact amount, to one recipient).
  --token TMAI       the token to approve (TMAI is the one paid through Permit2)
  --amount N|max     allowance in whole tokens, or max (default max)
  --rpc-url URL      chain RPC (default $RPC_URL, or the local devnet at http://127.0.0.1:$DEVNET_PORT)
  --network N        devnet (default $NETWORK or devnet), base, base-sepolia
  --dry-run          show the transaction without sending it
The payer key comes from PAYER_PRIVATE_KEY. The transaction is shown before it is sent, then awaited.`

export async function permit2ApproveCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    {
      args: argv,
      options: {
        token: { type: 'string' },
        amount: { type: 'string', default: 'max' },
        'rpc-url': { type: 'string' },
        network: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    permit2ApproveHelp,
  )
  const fail = (message: string) => {
    console.error(message)
    process.exitCode = 2
  }
  if (values.help) return void console.log(permit2ApproveHelp)
  if (values.token?.toUpperCase() !== 'TMAI') return fail(`--token TMAI is required\n\n${permit2ApproveHelp}`)
  const networkName = (values.network ?? process.env.NETWORK ?? 'devnet') as NetworkName
  const network = NETWORKS[networkName]
  if (!network?.tmai) return fail(`no TMAI on network ${networkName}`)
  const key = process.env.PAYER_PRIVATE_KEY
  if (!key || !isHex(key) || key.length !== 66)
    return fail('PAYER_PRIVATE_KEY must be set to a 0x-prefixed 32-byte hex key')
  const rpcUrl =
    values['rpc-url'] ?? process.env.RPC_URL ?? `http://127.0.0.1:${process.env.DEVNET_PORT ?? 8545}`
  const amount =
    values.amount === 'max'
      ? maxUint256
      : /^\d+$/.test(values.amount)
        ? BigInt(values.amount) * 10n ** BigInt(network.tmai.decimals)
        : undefined
  if (amount === undefined) return fail('--amount must be a whole number of tokens or max')

  const account = privateKeyToAccount(key as `0x${string}`)
  const chain = chainFor(network, rpcUrl)
  const client = createPublicClient({ chain, transport: http(rpcUrl) })
  const current = await client.readContract({
    address: network.tmai.address,
    abi: erc20Abi,
    functionName: 'allowance',
    args: [account.address, CANONICAL.permit2],
  })
  console.log(`owner:              ${account.address}`)
  console.log(`current allowance:  ${current === maxUint256 ? 'max' : current.toString()}`)
  const data = encodeFunctionData({
    abi: erc20Abi,
    functionName: 'approve',
    args: [CANONICAL.permit2, amount],
  })
  console.log('transaction:')
  console.log(`  to:    ${network.tmai.address} (TMAI)`)
  console.log(
    `  call:  approve(${CANONICAL.permit2} /* Permit2 */, ${amount === maxUint256 ? 'max' : amount})`,
  )
  console.log(`  data:  ${data}`)
  if (values['dry-run']) return void console.log('not sent (--dry-run)')
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) })
  const hash = await wallet.sendTransaction({ to: network.tmai.address, data })
  console.log(`sent:   ${hash}; waiting for the receipt…`)
  const receipt = await client.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') return fail(`approval reverted in block ${receipt.blockNumber}`)
  console.log(`approved in block ${receipt.blockNumber}: you can now pay in TMAI`)
}
