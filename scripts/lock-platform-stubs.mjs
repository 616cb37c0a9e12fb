#!/usr/bin/env node
/**
 * Adds lockfile entries for optional platform packages (other OSes' biome/rollup/anvil binaries) that the npm
 * registry reachable here does not serve. Without them `npm ci` refuses the lockfile ("Missing: … from lock
 * file", npm/cli#8320); with them it skips those packages as platform-mismatched optionals, as it would anyway.
 * Run after `npm install` changes the lockfile: node scripts/lock-platform-stubs.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs'

const lockPath = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(lockPath, 'utf8'))
const packages = lock.packages
const OS = [
  'android',
  'darwin',
  'freebsd',
  'linux',
  'netbsd',
  'openbsd',
  'openharmony',
  'sunos',
  'win32',
  'aix',
  'cygwin',
]
const CPU = {
  amd64: 'x64',
  x64: 'x64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: 'ia32',
  loong64: 'loong64',
  ppc64: 'ppc64',
  riscv64: 'riscv64',
  s390x: 's390x',
  mips64el: 'mips64el',
}

let added = 0
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`
    if (packages[key] || packages[`${path}/node_modules/${name}`]) continue
    const parts = name.split('/').pop().split('-')
    const os = parts.find((p) => OS.includes(p))
    const cpu = parts.map((p) => CPU[p]).find(Boolean)
    if (!os || !cpu) continue // not a platform binary package: leave it to npm
    const libc = parts.includes('musl')
      ? ['musl']
      : parts.includes('gnu') || parts.includes('gnueabihf')
        ? ['glibc']
        : undefined
    packages[key] = {
      version,
      optional: true,
      os: [os],
      cpu: [cpu],
      ...(libc ? { libc } : {}),
      ...(entry.dev ? { dev: true } : {}),
    }
    added++
  }
}
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`lockfile: ${added} platform stub entries added`)
