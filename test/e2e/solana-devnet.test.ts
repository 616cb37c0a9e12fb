/**
 * The local Solana chain against the official @x402/svm client and facilitator, unchanged: the client builds the
 * payment through the chain's RPC, the facilitator verifies (simulation), co-signs as fee payer, sends and confirms,
 * and the USDC moves. Stale blockhashes and foreign signatures are refused by the chain itself.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import {
  type Address,
  getBase64Decoder,
  getBase64Encoder,
  getTransactionDecoder,
  getTransactionEncoder,
  type Signature,
  signBytes,
} from '@solana/kit'
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SOLANA_DEVNET_USDC_MINT, solanaDevnetSigner } from '../../src/devnet/solana/accounts'
import { type SolanaDevnetProcess, startSolanaDevnet } from '../../src/devnet/solana/process'
import { type SolanaDevnetServer, startSolanaDevnetServer } from '../../src/devnet/solana/server'
import { freePort } from '../helpers/devnet'
import {
  officialFacilitator,
  PAYMENT_AMOUNT,
  payWithOfficialClient,
  rawRpc,
  solanaReader,
  solanaRequirements,
} from '../helpers/solana'

const processGone = (pid: number) => {
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 50))
  }
  return true
}

describe('local Solana chain in its own process, with the official x402 client and facilitator', () => {
  let chain: SolanaDevnetProcess

  beforeAll(async () => {
    chain = await startSolanaDevnet({ port: await freePort() })
  }, 60_000)
  afterAll(() => chain?.stop())

  it('settles an exact payment: payer −17000, payTo +17000, fee payer pays only the fee', async () => {
    const read = solanaReader(chain.rpcUrl)
    const requirements = await solanaRequirements()
    const payer = (await solanaDevnetSigner(1)).address
    const before = { payer: await read.usdc(payer), payTo: await read.usdc(requirements.payTo as never) }
    const feePayerSol = await read.sol(requirements.payTo as never)

    const payload = await payWithOfficialClient(chain.rpcUrl, 1, requirements)
    const { scheme } = await officialFacilitator(chain.rpcUrl)
    expect(await scheme.verify(payload, requirements)).toMatchObject({ isValid: true, payer })
    const settled = await scheme.settle(payload, requirements)
    expect(settled).toMatchObject({ success: true, payer, network: requirements.network })

    expect(await read.usdc(payer)).toBe(before.payer - PAYMENT_AMOUNT)
    expect(await read.usdc(requirements.payTo as never)).toBe(before.payTo + PAYMENT_AMOUNT)
    const signature = settled.transaction as Signature
    const [status] = (await read.rpc.getSignatureStatuses([signature]).send()).value
    expect(status).toMatchObject({ err: null, confirmationStatus: 'finalized' })
    const landed = await read.rpc
      .getTransaction(signature, { maxSupportedTransactionVersion: 0, encoding: 'json' })
      .send()
    expect(landed?.meta?.err).toBeNull()
    // Two signatures (payer, fee payer) at 5,000 lamports + the client's 1 µlamport × 20,000 units priority fee.
    expect(landed?.meta?.fee).toBe(10_001n)
    expect(await read.sol(requirements.payTo as never)).toBe(feePayerSol - 10_001n)
    const moved = (landed?.meta?.postTokenBalances ?? []).map((after) => {
      const prior = landed?.meta?.preTokenBalances?.find((b) => b.accountIndex === after.accountIndex)
      return [after.owner, BigInt(after.uiTokenAmount.amount) - BigInt(prior?.uiTokenAmount.amount ?? '0')]
    })
    expect(Object.fromEntries(moved)).toEqual({
      [payer]: -PAYMENT_AMOUNT,
      [requirements.payTo]: PAYMENT_AMOUNT,
    })
    expect(
      landed?.meta?.logMessages?.some((line) => line.includes('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr')),
    ).toBe(true)

    const parsed = await read.rpc
      .getTransaction(signature, { maxSupportedTransactionVersion: 0, encoding: 'jsonParsed' })
      .send()
    const instructions = parsed?.transaction.message.instructions as unknown[]
    expect(instructions).toContainEqual(
      expect.objectContaining({
        program: 'spl-token',
        parsed: expect.objectContaining({
          type: 'transferChecked',
          info: expect.objectContaining({
            authority: payer,
            tokenAmount: expect.objectContaining({ amount: '17000' }),
          }),
        }),
      }),
    )
    expect(instructions).toContainEqual(expect.objectContaining({ program: 'spl-memo' }))

    // The same transaction again: the facilitator remembers it, and the chain refuses it outright.
    expect((await scheme.settle(payload, requirements)).success).toBe(false)
    const wire = await read.rpc
      .getTransaction(signature, { maxSupportedTransactionVersion: 0, encoding: 'base64' })
      .send()
    const replay = await rawRpc(chain.rpcUrl, 'sendTransaction', [
      wire?.transaction[0],
      { encoding: 'base64' },
    ])
    expect(replay.error).toMatchObject({ code: -32002, data: { err: 'AlreadyProcessed' } })
    expect(await read.usdc(payer)).toBe(before.payer - PAYMENT_AMOUNT)
  })

  it('answers methods it does not implement with -32601', async () => {
    const reply = await rawRpc(chain.rpcUrl, 'requestAirdrop', [
      'oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96',
      1,
    ])
    expect(reply.error).toEqual({ code: -32601, message: 'Method not found' })
  })

  it('leaves no process behind when stopped, and refuses a port already answering', async () => {
    const port = await freePort()
    const second = await startSolanaDevnet({ port })
    await expect(startSolanaDevnet({ port })).rejects.toThrow(/already answers/)
    await second.stop()
    expect(processGone(second.pid)).toBe(true)
    expect((await fetch(`${second.rpcUrl}/health`).catch(() => undefined))?.ok).toBeFalsy()
  }, 60_000)

  it('dies with the process that started it, even when that one is SIGKILLed', async () => {
    const script = `
      const { startSolanaDevnet } = await import(${JSON.stringify(path.resolve('src/devnet/solana/process.ts'))})
      const chain = await startSolanaDevnet({ port: 0 })
      console.log('child-pid ' + chain.pid)
      setInterval(() => {}, 1000)`
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const childPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.on('data', (chunk: Buffer) => {
        const match = /child-pid (\d+)/.exec(chunk.toString())
        if (match) resolve(Number(match[1]))
      })
      parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)))
    })
    expect(processGone(childPid)).toBe(false)
    parent.kill('SIGKILL')
    expect(await waitUntil(() => processGone(childPid), 10_000)).toBe(true)
  }, 60_000)
})

describe('local Solana chain refusing bad payments (in this process, clock under test control)', () => {
  let server: SolanaDevnetServer

  beforeAll(async () => {
    server = await startSolanaDevnetServer({ port: 0 })
  })
  afterAll(() => server?.close())

  /** The facilitator's co-signed wire transaction, sent straight to the chain. */
  async function coSignAndSend(transaction: string) {
    const { signer } = await officialFacilitator(server.rpcUrl)
    const requirements = await solanaRequirements()
    const feePayer = requirements.extra.feePayer as Address
    const signed = await signer.signTransaction(transaction, feePayer, requirements.network)
    return rawRpc(server.rpcUrl, 'sendTransaction', [signed, { encoding: 'base64', skipPreflight: true }])
  }

  it('refuses a transaction whose blockhash expired (150 slots): simulation and send', async () => {
    const read = solanaReader(server.rpcUrl)
    const payer = (await solanaDevnetSigner(2)).address
    const before = await read.usdc(payer)
    const requirements = await solanaRequirements()
    const payload = await payWithOfficialClient(server.rpcUrl, 2, requirements)
    server.chain.advanceSlots(151)

    const { scheme } = await officialFacilitator(server.rpcUrl)
    const verdict = await scheme.verify(payload, requirements)
    expect(verdict).toMatchObject({
      isValid: false,
      invalidReason: 'invalid_exact_svm_transaction_simulation_failed',
    })
    expect(verdict.invalidMessage).toMatch(/BlockhashNotFound/)
    const sent = await coSignAndSend(payload.payload.transaction as string)
    expect(sent.error).toMatchObject({
      code: -32002,
      message: 'Transaction simulation failed: Blockhash not found',
    })
    expect(await read.usdc(payer)).toBe(before)
  })

  it('simulates without changing state: post-state of asked accounts, a replaced blockhash on request', async () => {
    const read = solanaReader(server.rpcUrl)
    const payer = (await solanaDevnetSigner(6)).address
    const payload = await payWithOfficialClient(server.rpcUrl, 6, await solanaRequirements())
    const [payerAta] = await findAssociatedTokenPda({
      owner: payer,
      mint: SOLANA_DEVNET_USDC_MINT,
      tokenProgram: TOKEN_PROGRAM_ADDRESS,
    })
    const config = {
      encoding: 'base64',
      accounts: { addresses: [payerAta], encoding: 'jsonParsed' },
      innerInstructions: true,
    }
    const simulated = await rawRpc(server.rpcUrl, 'simulateTransaction', [
      payload.payload.transaction,
      config,
    ])
    const value = (simulated.result as { value: Record<string, unknown> }).value
    expect(value.err).toBeNull()
    expect(JSON.stringify(value.accounts)).toContain(`"amount":"${1_000_000_000n - PAYMENT_AMOUNT}"`)
    expect(value.logs).toContain(`Program ${TOKEN_PROGRAM_ADDRESS} success`)
    expect(await read.usdc(payer)).toBe(1_000_000_000n)

    server.chain.advanceSlots(151)
    const replaced = await rawRpc(server.rpcUrl, 'simulateTransaction', [
      payload.payload.transaction,
      { encoding: 'base64', replaceRecentBlockhash: true },
    ])
    const replacedValue = (replaced.result as { value: Record<string, unknown> }).value
    expect(replacedValue.err).toBeNull()
    const latest = server.chain.latestBlockhash()
    expect(replacedValue.replacementBlockhash).toEqual({
      blockhash: latest.blockhash,
      lastValidBlockHeight: Number(latest.lastValidBlockHeight),
    })
    const both = { encoding: 'base64', replaceRecentBlockhash: true, sigVerify: true }
    expect(
      (await rawRpc(server.rpcUrl, 'simulateTransaction', [payload.payload.transaction, both])).error?.code,
    ).toBe(-32602)
  })

  it('refuses a transaction signed by another key than the payer it names', async () => {
    const read = solanaReader(server.rpcUrl)
    const payer = await solanaDevnetSigner(3)
    const before = await read.usdc(payer.address)
    const requirements = await solanaRequirements()
    const payload = await payWithOfficialClient(server.rpcUrl, 3, requirements)
    const transaction = getTransactionDecoder().decode(
      getBase64Encoder().encode(payload.payload.transaction as string),
    )
    const stranger = await solanaDevnetSigner(4)
    const forged = {
      ...transaction,
      signatures: {
        ...transaction.signatures,
        [payer.address]: await signBytes(stranger.keyPair.privateKey, transaction.messageBytes),
      },
    }
    const forgedWire = getBase64Decoder().decode(getTransactionEncoder().encode(forged))

    const { scheme } = await officialFacilitator(server.rpcUrl)
    const verdict = await scheme.verify({ ...payload, payload: { transaction: forgedWire } }, requirements)
    expect(verdict).toMatchObject({
      isValid: false,
      invalidReason: 'invalid_exact_svm_payload_signature_invalid',
    })
    const sent = await coSignAndSend(forgedWire)
    expect(sent.error).toMatchObject({ code: -32003, message: 'Transaction signature verification failure' })
    expect(await read.usdc(payer.address)).toBe(before)
  })

  it('records a transaction that fails on chain (skipPreflight) with its error and fee, and moves no token', async () => {
    const read = solanaReader(server.rpcUrl)
    const payer = (await solanaDevnetSigner(5)).address
    const requirements = await solanaRequirements(2_000_000_000n) // 2,000 USDC: more than the payer holds
    const payload = await payWithOfficialClient(server.rpcUrl, 5, requirements)
    const { scheme } = await officialFacilitator(server.rpcUrl)
    expect(await scheme.verify(payload, requirements)).toMatchObject({ isValid: false })

    const feePayerSol = await read.sol(requirements.payTo as never)
    const sent = await coSignAndSend(payload.payload.transaction as string)
    const signature = sent.result as Signature
    const [status] = (await read.rpc.getSignatureStatuses([signature]).send()).value
    // SPL Token's error 1: insufficient funds (@solana/kit reads the numbers as bigints).
    expect(status?.err).toEqual({ InstructionError: [2n, { Custom: 1n }] })
    expect(await read.usdc(payer)).toBe(1_000_000_000n)
    expect(await read.sol(requirements.payTo as never)).toBe(feePayerSol - 10_001n)
  })
})
