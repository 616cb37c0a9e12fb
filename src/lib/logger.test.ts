import { describe, expect, it } from 'vitest'
import { createLogger } from './logger'

describe('createLogger', () => {
  it('writes readable key=value lines and respects the level', () => {
    const lines: string[] = []
    const log = createLogger('info', (l) => lines.push(l))
    log.debug('hidden')
    log.info('payment settled', { route: '/v1/price', ms: 12, note: 'two words' })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/INFO {2}payment settled route=\/v1\/price ms=12 note="two words"$/)
  })

  it('redacts secret-looking fields whatever their value', () => {
    const lines: string[] = []
    const log = createLogger('debug', (l) => lines.push(l))
    log.info('x', { settlerPrivateKey: '0xsecret', apiKey: 'k', signature: '0xsig', payTo: '0xabc' })
    expect(lines[0]).not.toContain('0xsecret')
    expect(lines[0]).not.toContain('0xsig')
    expect(lines[0]).toContain('payTo=0xabc')
  })
})
