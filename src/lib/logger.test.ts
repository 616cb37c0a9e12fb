import { describe, expect, it } from 'vitest'
import { batchedSink, createLogger } from './logger'

describe('createLogger', () => {
  it('writes readable key=value lines and respects the level', () => {
    const lines: string[] = []
    const log = createLogger('info', (l) => lines.push(l))
    log.debug('hidden')
    log.info('payment settled', { route: '/v1/price', ms: 12, note: 'two words' })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}payment settled route=\/v1\/price ms=12 note="two words"$/,
    )
  })

  it('redacts secret-looking fields whatever their value', () => {
    const lines: string[] = []
    const log = createLogger('debug', (l) => lines.push(l))
    log.info('x', { settlerPrivateKey: '0xsecret', apiKey: 'k', signature: '0xsig', payTo: '0xabc' })
    expect(lines[0]).not.toContain('0xsecret')
    expect(lines[0]).not.toContain('0xsig')
    expect(lines[0]).toContain('payTo=0xabc')
  })

  it('writes one JSON object per line with level, time, message and fields', () => {
    const lines: string[] = []
    const log = createLogger('debug', (l) => lines.push(l), { format: 'json' })
    log.warn('settlement pending', {
      paymentId: 'p1',
      amount: 21857142857142857143n,
      error: new Error('boom'),
    })
    expect(lines).toHaveLength(1)
    const entry = JSON.parse(lines[0]!)
    expect(entry).toEqual({
      level: 'warn',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      msg: 'settlement pending',
      paymentId: 'p1',
      amount: '21857142857142857143',
      error: 'boom',
    })
  })

  it('redacts secrets in JSON lines too, nested ones included', () => {
    const lines: string[] = []
    const log = createLogger('info', (l) => lines.push(l), { format: 'json' })
    log.info('incoming', {
      headers: { authorization: 'Bearer x4a_id_secret', 'x-payment': 'eyJzaWc', accept: '*/*' },
      adminKeyPepper: 'pepper',
      tokens: 3,
    })
    const text = lines.join('\n')
    expect(text).not.toContain('x4a_id_secret')
    expect(text).not.toContain('eyJzaWc')
    expect(text).not.toContain('pepper')
    expect(JSON.parse(lines[0]!)).toMatchObject({
      headers: { authorization: '[redacted]', 'x-payment': '[redacted]', accept: '*/*' },
      adminKeyPepper: '[redacted]',
      tokens: 3,
    })
  })

  it('merges the current scope (the request id) into every line without changing it', () => {
    const lines: string[] = []
    const scope = { requestId: 'req-1' }
    const log = createLogger('info', (l) => lines.push(l), { format: 'json', context: () => scope })
    log.info('payment settled', { route: '/v1/price' })
    log.info('request', { requestId: 'req-1', status: 200 })
    expect(lines.map((l) => JSON.parse(l).requestId)).toEqual(['req-1', 'req-1'])
    expect(scope).toEqual({ requestId: 'req-1' })
  })

  it('says nothing at the silent level', () => {
    const lines: string[] = []
    const log = createLogger('silent', (l) => lines.push(l))
    log.error('not shown')
    expect(lines).toEqual([])
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
