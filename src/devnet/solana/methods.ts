import { type Address, getBase58Encoder, getBase64Encoder, isAddress } from '@solana/kit'
import { z } from 'zod'
import type { LocalSolanaChain, SendOutcome } from './chain'
import { transactionErrorMessage } from './errors'
import {
  type AccountEncoding,
  MAX_BASE58_BYTES,
  renderAccount,
  renderInnerInstructions,
  renderLandedTransaction,
  renderReturnData,
} from './render'
import { readTokenAccount, uiTokenAmount } from './token-accounts'
import { type DecodedTransaction, decodeTransaction, InvalidTransactionError } from './transaction'

/**
 * The Solana JSON-RPC methods this local chain answers: the nine that @x402/svm's client and facilitator call, plus
 * getHealth and getGenesisHash. Parameters and answers follow Solana's RPC; where the chain is simpler than a
 * cluster (one node, every slot final) the answer says so as a node would (`confirmationStatus: "finalized"`).
 */

export class RpcError extends Error {
  override name = 'RpcError'
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

/** Solana's error codes besides JSON-RPC's own. */
export const RPC_ERRORS = {
  invalidParams: -32602,
  preflightFailure: -32002,
  signatureVerificationFailure: -32003,
  unsupportedTransactionVersion: -32015,
} as const

/** Devnet's genesis hash: the CAIP-2 id solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1 is its first 32 characters. */
export const SOLANA_DEVNET_GENESIS_HASH = 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG'
export const MAX_SIGNATURE_STATUSES = 256

const address = z.string().refine(isAddress, 'not a base58 32-byte address') as unknown as z.ZodType<Address>
const signature = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/, 'not a base58 signature')
const commitment = z.enum(['processed', 'confirmed', 'finalized']).optional()
const contextConfig = z
  .object({ commitment, minContextSlot: z.number().int().nonnegative().optional() })
  .optional()
const accountEncoding = z.enum(['binary', 'base58', 'base64', 'jsonParsed'])
const accountConfig = z
  .object({
    commitment,
    minContextSlot: z.number().int().nonnegative().optional(),
    encoding: accountEncoding.optional(),
    dataSlice: z
      .object({ offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() })
      .optional(),
  })
  .optional()
const wireEncoding = z.enum(['base58', 'base64']).optional()

const PARAMS = {
  getAccountInfo: z.tuple([address, accountConfig]),
  getBalance: z.tuple([address, contextConfig]),
  getLatestBlockhash: z.tuple([contextConfig]),
  getSignatureStatuses: z.tuple([
    z.array(signature).max(MAX_SIGNATURE_STATUSES),
    z.object({ searchTransactionHistory: z.boolean().optional() }).optional(),
  ]),
  getSlot: z.tuple([contextConfig]),
  getTokenAccountBalance: z.tuple([address, contextConfig]),
  getTransaction: z.tuple([
    signature,
    z
      .union([
        z.enum(['json', 'jsonParsed', 'base58', 'base64']),
        z.object({
          commitment,
          encoding: z.enum(['json', 'jsonParsed', 'base58', 'base64']).optional(),
          maxSupportedTransactionVersion: z.literal(0).optional(),
        }),
      ])
      .optional(),
  ]),
  sendTransaction: z.tuple([
    z.string().max(4096),
    z
      .object({
        encoding: wireEncoding,
        skipPreflight: z.boolean().optional(),
        preflightCommitment: commitment,
        maxRetries: z.number().int().nonnegative().optional(),
        minContextSlot: z.number().int().nonnegative().optional(),
      })
      .optional(),
  ]),
  simulateTransaction: z.tuple([
    z.string().max(4096),
    z
      .object({
        encoding: wireEncoding,
        sigVerify: z.boolean().optional(),
        replaceRecentBlockhash: z.boolean().optional(),
        commitment,
        minContextSlot: z.number().int().nonnegative().optional(),
        innerInstructions: z.boolean().optional(),
        accounts: z
          .object({ addresses: z.array(address).max(64), encoding: accountEncoding.optional() })
          .optional(),
      })
      .optional(),
  ]),
  getHealth: z.tuple([]),
  getGenesisHash: z.tuple([]),
} as const

export type SolanaRpcMethod = keyof typeof PARAMS
export const SOLANA_RPC_METHODS = Object.keys(PARAMS) as SolanaRpcMethod[]

function parseParams<M extends SolanaRpcMethod>(method: M, params: unknown): z.infer<(typeof PARAMS)[M]> {
  const parsed = PARAMS[method].safeParse(params ?? [])
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? ` at params[${issue.path.join('][')}]` : ''
    throw new RpcError(RPC_ERRORS.invalidParams, `Invalid params${where}: ${issue?.message ?? 'malformed'}`)
  }
  return parsed.data as z.infer<(typeof PARAMS)[M]>
}

function decodeWire(text: string, encoding: 'base58' | 'base64' = 'base58'): DecodedTransaction {
  try {
    const bytes = encoding === 'base64' ? getBase64Encoder().encode(text) : getBase58Encoder().encode(text)
    return decodeTransaction(Uint8Array.from(bytes))
  } catch (error) {
    const reason = error instanceof InvalidTransactionError ? error.message : `invalid ${encoding} encoding`
    throw new RpcError(RPC_ERRORS.invalidParams, `invalid transaction: ${reason}`)
  }
}

function checkAccountEncoding(encoding: AccountEncoding, length: number) {
  if ((encoding === 'base58' || encoding === 'binary') && length > MAX_BASE58_BYTES) {
    throw new RpcError(
      -32600,
      `Encoded binary (base 58) data should be less than ${MAX_BASE58_BYTES} bytes, please use Base64 encoding.`,
    )
  }
}

function sendFailure(outcome: Extract<SendOutcome, { kind: 'refused' }>): RpcError {
  if (outcome.err === 'SignatureFailure') {
    return new RpcError(RPC_ERRORS.signatureVerificationFailure, 'Transaction signature verification failure')
  }
  return new RpcError(
    RPC_ERRORS.preflightFailure,
    `Transaction simulation failed: ${transactionErrorMessage(outcome.err)}`,
    {
      err: outcome.err,
      logs: outcome.logs,
      accounts: null,
      unitsConsumed: outcome.unitsConsumed,
      returnData: null,
      innerInstructions: null,
    },
  )
}

export type MethodHandler = (params: unknown) => unknown

/** The method table over one chain. */
export function solanaRpcMethods(chain: LocalSolanaChain): Record<SolanaRpcMethod, MethodHandler> {
  const context = () => ({ slot: chain.currentSlot() })
  const decimalsOf = (mint: Address) => chain.decimalsOf(mint)
  return {
    getAccountInfo(params) {
      const [account, config] = parseParams('getAccountInfo', params)
      const encoding = config?.encoding ?? 'binary'
      const found = chain.getAccount(account)
      if (found) checkAccountEncoding(encoding, config?.dataSlice?.length ?? found.data.length)
      return {
        context: context(),
        value: found && renderAccount(found, encoding, decimalsOf, config?.dataSlice),
      }
    },
    getBalance(params) {
      const [account] = parseParams('getBalance', params)
      return { context: context(), value: chain.getBalance(account) }
    },
    getLatestBlockhash(params) {
      parseParams('getLatestBlockhash', params)
      return { context: context(), value: chain.latestBlockhash() }
    },
    getSignatureStatuses(params) {
      const [signatures] = parseParams('getSignatureStatuses', params)
      const value = signatures.map((id) => {
        const landed = chain.getLandedTransaction(id)
        if (!landed) return null
        const status = landed.err === null ? { Ok: null } : { Err: landed.err }
        return {
          slot: landed.slot,
          confirmations: null,
          err: landed.err,
          status,
          confirmationStatus: 'finalized',
        }
      })
      return { context: context(), value }
    },
    getSlot(params) {
      parseParams('getSlot', params)
      return chain.currentSlot()
    },
    getTokenAccountBalance(params) {
      const [account] = parseParams('getTokenAccountBalance', params)
      const found = chain.getAccount(account)
      if (!found) throw new RpcError(RPC_ERRORS.invalidParams, 'Invalid param: could not find account')
      const token = readTokenAccount(found)
      const decimals = token && chain.decimalsOf(token.mint)
      if (!token || decimals === undefined)
        throw new RpcError(RPC_ERRORS.invalidParams, 'Invalid param: not a Token account')
      return { context: context(), value: uiTokenAmount(token.amount, decimals) }
    },
    getTransaction(params) {
      const [id, config] = parseParams('getTransaction', params)
      const options = typeof config === 'string' ? { encoding: config } : (config ?? {})
      const landed = chain.getLandedTransaction(id)
      if (!landed) return null
      const version = landed.decoded.message.version
      const declared =
        'maxSupportedTransactionVersion' in options ? options.maxSupportedTransactionVersion : undefined
      if (version === 0 && declared === undefined) {
        throw new RpcError(
          RPC_ERRORS.unsupportedTransactionVersion,
          'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
        )
      }
      const rendered = renderLandedTransaction(landed, options.encoding ?? 'json')
      return declared === undefined ? rendered : { ...rendered, version }
    },
    sendTransaction(params) {
      const [wire, config] = parseParams('sendTransaction', params)
      const decoded = decodeWire(wire, config?.encoding)
      const outcome = chain.send(decoded, { skipPreflight: config?.skipPreflight ?? false })
      if (outcome.kind === 'refused') throw sendFailure(outcome)
      return outcome.transaction.decoded.signature
    },
    simulateTransaction(params) {
      const [wire, config] = parseParams('simulateTransaction', params)
      const sigVerify = config?.sigVerify ?? false
      const replaceRecentBlockhash = config?.replaceRecentBlockhash ?? false
      if (sigVerify && replaceRecentBlockhash) {
        throw new RpcError(RPC_ERRORS.invalidParams, 'sigVerify may not be used with replaceRecentBlockhash')
      }
      const decoded = decodeWire(wire, config?.encoding)
      const addresses = config?.accounts?.addresses
      const outcome = chain.simulate(decoded, { sigVerify, replaceRecentBlockhash, accounts: addresses })
      if (outcome.kind === 'signature_failure') {
        throw new RpcError(
          RPC_ERRORS.signatureVerificationFailure,
          'Transaction signature verification failure',
        )
      }
      const accountEncoding = config?.accounts?.encoding ?? 'base64'
      const accounts =
        addresses && outcome.postAccounts
          ? outcome.postAccounts.map(
              (account) => account && renderAccount(account, accountEncoding, decimalsOf),
            )
          : null
      const keys = decoded.message.staticAccounts
      return {
        context: context(),
        value: {
          err: outcome.err,
          logs: outcome.logs,
          accounts,
          unitsConsumed: outcome.unitsConsumed,
          returnData: renderReturnData(outcome.returnData),
          innerInstructions: config?.innerInstructions
            ? renderInnerInstructions(outcome.innerInstructions, keys, false)
            : null,
          ...(outcome.replacementBlockhash ? { replacementBlockhash: outcome.replacementBlockhash } : {}),
        },
      }
    },
    getHealth(params) {
      parseParams('getHealth', params)
      return 'ok'
    },
    getGenesisHash(params) {
      parseParams('getGenesisHash', params)
      return SOLANA_DEVNET_GENESIS_HASH
    },
  }
}
