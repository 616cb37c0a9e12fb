import type { Abi, Hash } from 'viem'
import { describe, expect, it } from 'vitest'
import { durableRelayer, type RelayerEndpoint } from './durable-relayer'
import type { ContractCall } from './relayer'

const call = {
  address: '0x0000000000000000000000000000000000000001',
  abi: [],
  functionName: 'f',
  args: [],
} as never
const hash = `0x${'cd'.repeat(32)}` as Hash

/**
 * Stands in for the Durable Object the way Workers RPC behaves: the hook is a stub that can be called back during the
 * call, and an error crossing the boundary arrives as a plain Error with the message only.
 */
function objectEndpoint(events: string[]): RelayerEndpoint {
  return {
    async send(_call: ContractCall<Abi, string>, onSigned) {
      events.push('signed')
      try {
        await onSigned(hash)
      } catch (error) {
        throw new Error((error as Error).message)
      }
      events.push('broadcast')
      return { status: 'broadcast', hash }
    },
  }
}

describe('durableRelayer', () => {
  it('the hash is recorded (onSigned) before the object broadcasts', async () => {
    const events: string[] = []
    const relayer = durableRelayer(() => objectEndpoint(events))
    const result = await relayer.send(call, async (h) => {
      events.push(`recorded ${h.slice(0, 6)}`)
    })
    expect(result).toEqual({ status: 'broadcast', hash })
    expect(events).toEqual(['signed', 'recorded 0xcdcd', 'broadcast'])
  })

  it('a failed hook means no broadcast, and the caller gets its own error back (not the RPC copy)', async () => {
    class LedgerDown extends Error {}
    const events: string[] = []
    const relayer = durableRelayer(() => objectEndpoint(events))
    const failure = new LedgerDown('D1 unavailable')
    await expect(
      relayer.send(call, async () => {
        throw failure
      }),
    ).rejects.toBe(failure)
    expect(events).toEqual(['signed'])
  })

  it('an error of the object itself passes through', async () => {
    const relayer = durableRelayer(() => ({
      send: async () => {
        throw new Error('chain unavailable during transaction preparation')
      },
    }))
    await expect(relayer.send(call, async () => {})).rejects.toThrow(/transaction preparation/)
  })
})
