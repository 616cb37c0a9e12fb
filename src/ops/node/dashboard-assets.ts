import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { DashboardAssets, StaticAsset } from '../dashboard'

const require = createRequire(import.meta.url)
const PAGE_DIR = path.join(import.meta.dirname, '..', 'dashboard')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

function read(file: string): StaticAsset {
  return { body: readFileSync(file, 'utf8'), contentType: TYPES[path.extname(file)] ?? 'text/plain' }
}

/**
 * Node only: the dashboard's own files plus Chart.js's UMD build straight from node_modules (no CDN: works offline),
 * read once at start-up.
 */
export function loadDashboardAssets(): DashboardAssets {
  const chartJsDist = path.dirname(require.resolve('chart.js'))
  return new Map([
    ['index.html', read(path.join(PAGE_DIR, 'index.html'))],
    ['dashboard.js', read(path.join(PAGE_DIR, 'dashboard.js'))],
    ['dashboard.css', read(path.join(PAGE_DIR, 'dashboard.css'))],
    ['vendor/chart.umd.min.js', read(path.join(chartJsDist, 'chart.umd.min.js'))],
  ])
}
