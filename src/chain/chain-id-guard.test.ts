import { describe, expect, it } from 'vitest'
import { ChainIdGuard, ChainIdMismatchError } from './chain-id-guard'
import { ChainUnavailableError } from './errors'

function guardOver(answers: (number | Error)[]) {
  const clock = { now: 1_000 }
  const reads: number[] = []
  const checks: string[] = []
  const guard = new ChainIdGuard({
    expected: 8453,
    intervalMs: 5_000,
    now: () => clock.now,
    read: async () => {
      reads.push(clock.now)
      const answer = answers.shift() ?? 8453
      if (answer instanceof Error) throw answer
      return answer
    },
    onCheck: (check, previous) => checks.push(`${previous?.result ?? 'none'}→${check.result}`),
  })
  return { guard, clock, reads, checks }
}

describe('ChainIdGuard', () => {
  it('reads once per interval, shared by concurrent callers', async () => {
    const { guard, clock, reads } = guardOver([])
    await Promise.all([guard.assertMatches(), guard.assertMatches(), guard.assertMatches()])
    expect(reads).toEqual([1_000])
    clock.now += 4_999
    await guard.assertMatches()
    expect(reads).toHaveLength(1)
    clock.now += 1
    await guard.assertMatches()
    expect(reads).toEqual([1_000, 6_000])
  })

  it('a wrong id fails closed with both ids until the chain matches again', async () => {
    const { guard, clock, checks } = guardOver([8453, 84532, 84532])
    await guard.assertMatches()
    clock.now += 5_000
    const error = await guard.assertMatches().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainIdMismatchError)
    expect(error).toBeInstanceOf(ChainUnavailableError)
    expect((error as Error).message).toMatch(/chain id 84532, expected 8453/)
    // Within the interval the mismatch is remembered, not re-read.
    await expect(guard.assertMatches()).rejects.toBeInstanceOf(ChainIdMismatchError)
    clock.now += 5_000
    await expect(guard.assertMatches()).rejects.toBeInstanceOf(ChainIdMismatchError)
    clock.now += 5_000
    await guard.assertMatches()
    expect(checks).toEqual(['none→match', 'match→mismatch', 'mismatch→mismatch', 'mismatch→match'])
  })

  it('after an RPC error the next use checks at once; a failed read is unavailable and never trusted', async () => {
    const { guard, reads } = guardOver([8453, new Error('connection refused'), 8453])
    await guard.assertMatches()
    guard.rpcFailed()
    const error = await guard.assertMatches().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainUnavailableError)
    expect(error).not.toBeInstanceOf(ChainIdMismatchError)
    await guard.assertMatches()
    expect(reads).toHaveLength(3)
    expect(guard.status).toEqual({ result: 'match', chainId: 8453 })
  })
})
