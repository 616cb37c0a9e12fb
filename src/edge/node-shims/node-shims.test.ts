import * as nodeUrl from 'node:url'
import * as nodeUtil from 'node:util'
import { describe, expect, it } from 'vitest'
import { Counter, Registry } from './prom-client'
import { domainToASCII } from './url'
import { format } from './util'

describe('the Worker stand-ins answer as the Node built-ins they replace, for what the libraries ask', () => {
  it('url.domainToASCII: ASCII, IDNA (punycode) and invalid hosts', () => {
    for (const host of [
      'example.com',
      'API.Example.COM',
      'münchen.de',
      'xn--mnchen-3ya.de',
      '127.0.0.1',
      'a b',
      '',
    ])
      expect(domainToASCII(host), host).toBe(nodeUrl.domainToASCII(host))
  })

  it("util.format: prom-client's message templates", () => {
    const cases: [string, ...unknown[]][] = [
      ['Added label "%s" is not included in initial labelset: %s', 'route', ['method']],
      ['Invalid number of arguments (%s): "%s" for label names (%s).', 2, 'x', ['a', 'b']],
      ['Value is not a valid number: %s', Number.NaN],
      ['100%% of %d', 3],
      ['no placeholders', 'extra'],
      ['%j and %o', { a: [1, 'b'] }, { c: 2 }],
    ]
    for (const [template, ...args] of cases) {
      expect(format(template, ...args), template).toBe(nodeUtil.format(template, ...args))
    }
  })

  it("prom-client's classes without its entry module: a counter in a registry, exposed as text", async () => {
    const registry = new Registry()
    const counter = new Counter({ name: 'shim_total', help: 'h', labelNames: ['a'], registers: [registry] })
    counter.inc({ a: 'x' }, 2)
    expect(await registry.metrics()).toContain('shim_total{a="x"} 2')
    expect(() => counter.inc({ b: 'y' } as never)).toThrow(/label/i)
  })
})
