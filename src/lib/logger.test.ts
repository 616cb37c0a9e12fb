import { describe, expect, it } from 'vitest'
import { batchedSink, createLogger } from './logger'

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

describe('batchedSink', () => {
  it('hands the lines of one event-loop turn over as one chunk, in order', async () => {
    const chunks: string[] = []
    const sink = batchedSink((chunk) => chunks.push(chunk))
    const log = createLogger('info', sink.write)
    log.info('one')
    log.warn('two')
    expect(chunks).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    expect(chunks).toHaveLength(1)
    expect(chunks[0]).toMatch(/INFO {2}one\n.*WARN {2}two\n$/)
  })

  it('flushes early past its byte bound and on demand', () => {
    const chunks: string[] = []
    const sink = batchedSink((chunk) => chunks.push(chunk), 10)
    sink.write('0123456789')
    expect(chunks).toEqual(['0123456789\n'])
    sink.write('tail')
    sink.flush()
    expect(chunks).toEqual(['0123456789\n', 'tail\n'])
  })
})
