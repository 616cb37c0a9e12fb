import { createSolanaRpc, devnet } from '@solana/kit'
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_BATCH } from './rpc'
import { MAX_BODY_BYTES, type SolanaDevnetServer, startSolanaDevnetServer } from './server'
import { PAYER_SOL, PAYER_USDC } from './setup'

/** The JSON-RPC surface of the local Solana chain, in this process, through plain HTTP and @solana/kit's client. */

let server: SolanaDevnetServer

beforeAll(async () => {
  server = await startSolanaDevnetServer({ port: 0 })
})
afterAll(() => server?.close())

async function post(body: string) {
  const res = await fetch(server.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  return { status: res.status, text: await res.text() }
}
const call = async (method: string, params?: unknown[]) =>
  JSON.parse((await post(JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }))).text)

describe('local Solana chain: JSON-RPC envelope', () => {
  it('answers an unknown method with -32601 and keeps the id', async () => {
    expect(await call('getProgramAccounts', [])).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32601, message: 'Method not found' },
    })
    expect((await call('constructor')).error.code).toBe(-32601)
  })

  it('answers bad JSON with -32700 and a malformed call with -32600', async () => {
    expect(JSON.parse((await post('{"jsonrpc":')).text).error.code).toBe(-32700)
    expect(JSON.parse((await post('{"id":1,"method":"getSlot"}')).text).error.code).toBe(-32600)
    expect(JSON.parse((await post('[]')).text).error.code).toBe(-32600)
  })

  it('answers bad params with -32602 and says where', async () => {
    const reply = await call('getBalance', ['not-an-address'])
    expect(reply.error.code).toBe(-32602)
    expect(reply.error.message).toMatch(/params\[0\]/)
    expect((await call('getSlot', [{ commitment: 'eventually' }])).error.code).toBe(-32602)
  })

  it('answers batches in order, skips notifications, and refuses oversized batches', async () => {
    const batch = [
      { jsonrpc: '2.0', id: 'a', method: 'getHealth' },
      { jsonrpc: '2.0', method: 'getSlot' },
      { jsonrpc: '2.0', id: 'b', method: 'nope' },
    ]
    const replies = JSON.parse((await post(JSON.stringify(batch))).text)
    expect(replies.map((reply: { id: string }) => reply.id)).toEqual(['a', 'b'])
    expect(replies[0].result).toBe('ok')
    expect((await post(JSON.stringify({ jsonrpc: '2.0', method: 'getSlot' }))).status).toBe(204)
    const tooMany = Array.from({ length: MAX_BATCH + 1 }, (_, id) => ({
      jsonrpc: '2.0',
      id,
      method: 'getSlot',
    }))
    expect(JSON.parse((await post(JSON.stringify(tooMany))).text).error.code).toBe(-32600)
  })

  it('bounds the request body and serves GET /health', async () => {
    const big = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSlot', pad: 'x'.repeat(MAX_BODY_BYTES) }),
    )
    expect(big.status).toBe(413)
    expect(JSON.parse(big.text).error.code).toBe(-32600)
    const health = await fetch(`${server.rpcUrl}/health`)
    expect([health.status, await health.text()]).toEqual([200, 'ok'])
    expect((await fetch(server.rpcUrl)).status).toBe(405)
  })

  it('advertises devnet: genesis hash and health', async () => {
    expect((await call('getGenesisHash')).result.startsWith('EtWTRABZaYq6iMfeYKouRu166VU2xqa1')).toBe(true)
    expect((await call('getHealth')).result).toBe('ok')
  })
})

describe('local Solana chain: prepared state through @solana/kit', () => {
  const rpc = () => createSolanaRpc(devnet(server.rpcUrl))

  it('has the USDC-like mint (6 decimals) at the fixed address, account 0 its authority', async () => {
    const { value } = await rpc().getAccountInfo(server.accounts.mint, { encoding: 'jsonParsed' }).send()
    if (!value) throw new Error('no mint account')
    expect(value.owner).toBe(TOKEN_PROGRAM_ADDRESS)
    const parsed = (value.data as { parsed: { type: string; info: Record<string, unknown> } }).parsed
    expect(parsed.type).toBe('mint')
    expect(parsed.info).toMatchObject({
      decimals: 6,
      mintAuthority: server.accounts.feePayer,
      isInitialized: true,
    })
    expect(parsed.info.supply).toBe((9n * PAYER_USDC).toString())
  })

  it('funds payers 1–9 with SOL and 1,000 USDC, and created payTo’s token account', async () => {
    expect(server.accounts.payers).toHaveLength(9)
    for (const payer of server.accounts.payers) {
      expect((await rpc().getBalance(payer).send()).value).toBe(PAYER_SOL)
      const [ata] = await findAssociatedTokenPda({
        owner: payer,
        mint: server.accounts.mint,
        tokenProgram: TOKEN_PROGRAM_ADDRESS,
      })
      const { value } = await rpc().getTokenAccountBalance(ata).send()
      expect(value).toMatchObject({ amount: PAYER_USDC.toString(), decimals: 6, uiAmountString: '1000' })
    }
    const [payToAta] = await findAssociatedTokenPda({
      owner: server.accounts.payTo,
      mint: server.accounts.mint,
      tokenProgram: TOKEN_PROGRAM_ADDRESS,
    })
    expect((await rpc().getTokenAccountBalance(payToAta).send()).value.amount).toBe('0')
    expect((await rpc().getBalance(server.accounts.feePayer).send()).value).toBeGreaterThan(PAYER_SOL)
  })

  it('has the Memo program the official client adds an instruction for', async () => {
    const memo = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr' as never
    const { value } = await rpc().getAccountInfo(memo, { encoding: 'base64' }).send()
    expect(value?.executable).toBe(true)
    // A program's code is too large for the legacy base58 default, as on a real node.
    await expect(rpc().getAccountInfo(memo).send()).rejects.toThrow(/base 58/)
  })

  it('answers unknown accounts, token balances of non-token accounts and unknown signatures as a node does', async () => {
    const nobody = 'Nobody1111111111111111111111111111111111111' as never
    expect((await rpc().getAccountInfo(nobody, { encoding: 'base64' }).send()).value).toBeNull()
    expect((await rpc().getBalance(nobody).send()).value).toBe(0n)
    await expect(rpc().getTokenAccountBalance(server.accounts.payTo).send()).rejects.toThrow(
      /not a Token account/,
    )
    const signature = '1'.repeat(64) as never
    expect((await rpc().getSignatureStatuses([signature]).send()).value).toEqual([null])
    const config = { maxSupportedTransactionVersion: 0, encoding: 'json' } as const
    expect(await rpc().getTransaction(signature, config).send()).toBeNull()
  })

  it('moves the slot and issues a new blockhash as time passes, keeping older ones usable for 150 slots', async () => {
    const first = server.chain.latestBlockhash()
    server.chain.advanceSlots(3)
    const later = (await rpc().getLatestBlockhash().send()).value
    expect(later.blockhash).not.toBe(first.blockhash)
    expect(later.lastValidBlockHeight).toBe(first.lastValidBlockHeight + 3n)
    expect(server.chain.isBlockhashValid(first.blockhash)).toBe(true)
    server.chain.advanceSlots(148)
    expect(server.chain.isBlockhashValid(first.blockhash)).toBe(false)
    expect(server.chain.isBlockhashValid(later.blockhash)).toBe(true)
  })
})
