// The operator dashboard: reads the /admin API with a key kept in sessionStorage, renders with Chart.js (loaded
// before this module as the global `Chart`). Data only ever reaches the page through textContent, never as HTML.
// Money stays a decimal string until it is drawn: figures are formatted from strings, charts get numbers.

const KEY_STORAGE = 'x402-analytics.adminKey'
const REFRESH_MS = 60_000
const PAGE_SIZE = 20
/** Decimals of the assets we accept, for amounts in tables (the ledger keeps atomic units). */
const KNOWN_DECIMALS = { USDC: 6, TMAI: 18 }
const COLORS = {
  USDC: '#2775ca',
  TMAI: '#f08c00',
  settled: '#2b8a3e',
  released: '#adb5bd',
  failed: '#c92a2a',
  pending: '#e8590c',
  inFlight: '#74c0fc',
  refusal: '#845ef7',
}

const $ = (id) => document.getElementById(id)

class ApiProblem extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

// ---- formatting (strings in, strings out: no float ever touches a money figure) -------------------------------

function groupThousands(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** "0.0153" → "$0.0153", "12" → "$12.00", "1234.5" → "$1,234.50". */
function formatUsd(decimal) {
  const [whole, fraction = ''] = String(decimal).split('.')
  return `$${groupThousands(whole)}.${fraction.padEnd(2, '0')}`
}

/** Atomic units → a decimal string with at most `shown` fraction digits (cut, not rounded; exact in the tooltip). */
function formatAtomic(amount, decimals, shown = 6) {
  const digits = BigInt(amount)
    .toString()
    .padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  const exact = fraction ? `${whole}.${fraction}` : whole
  const cut = fraction.length > shown ? `${groupThousands(whole)}.${fraction.slice(0, shown)}…` : null
  return { text: cut ?? (fraction ? `${groupThousands(whole)}.${fraction}` : groupThousands(whole)), exact }
}

function tokenAmount(amount, symbol, decimals) {
  const places = decimals ?? KNOWN_DECIMALS[symbol]
  if (places === undefined) return { text: `${amount} (atomic)`, exact: amount }
  const { text, exact } = formatAtomic(amount, places)
  return { text: `${text} ${symbol}`, exact: `${exact} ${symbol}` }
}

const shortHex = (hex) => (hex && hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : (hex ?? ''))
const utc = (ms) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`
const dayOf = (ms) => new Date(ms).toISOString().slice(0, 10)

function age(seconds) {
  if (seconds < 90) return `${seconds} s`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86_400)} days`
}

// ---- DOM helpers ----------------------------------------------------------------------------------------------

/** An element with text (or child elements) and attributes; `title` carries exact values behind short ones. */
function el(tag, options = {}, ...children) {
  const node = document.createElement(tag)
  if (options.className) node.className = options.className
  if (options.title) node.title = options.title
  if (options.text !== undefined) node.textContent = options.text
  for (const child of children) node.append(child)
  return node
}

function fillTable(id, rows, emptyText, columns) {
  const body = $(id).querySelector('tbody')
  body.replaceChildren()
  if (rows.length === 0) {
    const cell = el('td', { className: 'empty', text: emptyText })
    cell.colSpan = columns
    body.append(el('tr', {}, cell))
    return
  }
  for (const cells of rows) body.append(el('tr', {}, ...cells))
}

const td = (text, className, title) => el('td', { text, className, title })
const badge = (text, kind) => el('td', {}, el('span', { className: `badge ${kind ?? text}`, text }))
const tokenCell = (symbol) =>
  el('td', {}, el('span', { className: 'token' }, el('span', { className: `dot ${symbol}` }), symbol))

function setFigure(id, text, tone) {
  const node = $(id)
  node.textContent = text
  node.className = `figure${tone ? ` ${tone}` : ''}`
}

// ---- the admin API ----------------------------------------------------------------------------------------------

async function api(path) {
  const key = sessionStorage.getItem(KEY_STORAGE)
  let res
  try {
    res = await fetch(`/admin${path}`, {
      headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
      cache: 'no-store',
    })
  } catch {
    throw new ApiProblem(0, 'network', 'The server could not be reached. Is it running?')
  }
  const body = await res.json().catch(() => undefined)
  if (res.ok) return body
  if (res.status === 401) {
    throw new ApiProblem(
      401,
      'unauthorized',
      'The key was refused: it is unknown, revoked, expired or mistyped.',
    )
  }
  if (res.status === 429) {
    const wait = res.headers.get('retry-after') ?? 'a few'
    throw new ApiProblem(429, 'rate_limited', `Too many requests for this key; retry in ${wait} seconds.`)
  }
  throw new ApiProblem(
    res.status,
    body?.error ?? 'error',
    body?.message ?? `The server answered ${res.status}.`,
  )
}

// ---- charts -------------------------------------------------------------------------------------------------------

const charts = {}

function chart(id, config) {
  if (charts[id]) {
    charts[id].data = config.data
    charts[id].update()
    return charts[id]
  }
  charts[id] = new window.Chart($(id), config)
  return charts[id]
}

const baseOptions = (extra = {}) => ({
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  interaction: { mode: 'index', intersect: false },
  plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } } },
  ...extra,
})

function drawRevenuePerDay(stats, range) {
  const byDay = new Map(stats.data.days.map((d) => [d.day, d.assets]))
  const labels = []
  for (let t = Date.parse(`${range.from}T00:00:00Z`); dayOf(t) <= range.to; t += 86_400_000)
    labels.push(dayOf(t))
  const usdOf = (day, symbol) =>
    (byDay.get(day) ?? [])
      .filter((a) => a.assetSymbol === symbol)
      .reduce((sum, a) => sum + Number(a.usdValue), 0)
  chart('revenue-chart', {
    type: 'bar',
    data: {
      labels: labels.map((d) => d.slice(5)),
      datasets: ['USDC', 'TMAI'].map((symbol) => ({
        label: `${symbol} (USD)`,
        data: labels.map((day) => usdOf(day, symbol)),
        backgroundColor: COLORS[symbol],
        borderRadius: 3,
        stack: 'usd',
      })),
    },
    options: baseOptions({
      scales: {
        x: { stacked: true, grid: { display: false } },
        y: { stacked: true, beginAtZero: true, ticks: { callback: (v) => `$${v}` } },
      },
      plugins: {
        legend: baseOptions().plugins.legend,
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: $${c.parsed.y.toFixed(4)}` } },
      },
    }),
  })
}

function drawPaymentsPerHour(perHour) {
  const series = perHour.data.series
  const pick = (states) => series.map((b) => states.reduce((n, s) => n + (b.byState[s] ?? 0), 0))
  chart('payments-chart', {
    type: 'bar',
    data: {
      labels: series.map((b) => `${b.start.slice(5, 10)} ${b.start.slice(11, 13)}h`),
      datasets: [
        { label: 'settled', data: pick(['settled']), backgroundColor: COLORS.settled },
        { label: 'not charged', data: pick(['released']), backgroundColor: COLORS.released },
        { label: 'pending', data: pick(['pending']), backgroundColor: COLORS.pending },
        { label: 'failed', data: pick(['failed']), backgroundColor: COLORS.failed },
        {
          label: 'in flight',
          data: pick(['reserved', 'verified', 'settling']),
          backgroundColor: COLORS.inFlight,
        },
      ].map((d) => ({ ...d, stack: 'n', borderRadius: 2 })),
    },
    options: baseOptions({
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { maxTicksLimit: 12, maxRotation: 0 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
    }),
  })
}

function drawRefusals(refusals) {
  const reasons = refusals.data.reasons.slice(0, 8)
  $('refusals-empty').hidden = reasons.length > 0
  $('refusals-chart').hidden = reasons.length === 0
  chart('refusals-chart', {
    type: 'bar',
    data: {
      labels: reasons.map((r) => r.reason.replaceAll('_', ' ')),
      datasets: [
        { label: 'payments', data: reasons.map((r) => r.payments), backgroundColor: COLORS.refusal },
      ],
    },
    options: baseOptions({
      indexAxis: 'y',
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } },
    }),
  })
}

// ---- sections -----------------------------------------------------------------------------------------------------

function renderKpis({ byToken, stats, settlements, refusals, market }, range) {
  const totals = byToken.data.totals
  $('kpi-range').textContent = `· ${range.days} days`
  setFigure('kpi-revenue', formatUsd(totals.usdValueTotal))
  $('kpi-revenue-sub').textContent =
    `${totals.payments} settled payment${totals.payments === 1 ? '' : 's'} · list price ${formatUsd(totals.usdListTotal)}`

  const tmai = stats.data.assets.find((a) => a.assetSymbol === 'TMAI')
  const bps = tmai?.usdShareBasisPoints ?? 0
  setFigure('kpi-tmai-share', totals.payments === 0 ? '—' : `${(bps / 100).toFixed(2)} %`)
  $('kpi-discount').textContent =
    `of USD revenue · discount given ${formatUsd(stats.data.totals.usdDiscount)}`

  const pending = settlements.data.filter((r) => r.state === 'pending').length
  const failed = settlements.data.filter((r) => r.state === 'failed').length
  const more = settlements.nextCursor ? '+' : ''
  setFigure('kpi-stuck', `${pending + failed}${more}`, pending + failed > 0 ? 'warn' : 'good')
  $('kpi-stuck-sub').textContent = `${pending} pending · ${failed} failed`

  const top = refusals.data.reasons[0]
  setFigure('kpi-refused', String(refusals.data.total))
  $('kpi-refused-sub').textContent = top
    ? `most often: ${top.reason.replaceAll('_', ' ')}`
    : 'none in this range'

  const daily = market.data.intervals.find((i) => i.interval === '1d')
  if (!daily || daily.ageSeconds === null) {
    setFigure('kpi-data', 'none', 'bad')
    $('kpi-data-sub').textContent = 'no daily candles loaded'
  } else {
    setFigure('kpi-data', daily.stale ? 'stale' : 'fresh', daily.stale ? 'bad' : 'good')
    $('kpi-data-sub').textContent = `daily bars to ${daily.newest} · ${daily.symbols} symbols`
  }
}

function renderRevenueTables({ byEndpoint, byToken, stats }) {
  const groups = [...byEndpoint.data.groups].sort((a, b) => Number(b.usdValueTotal) - Number(a.usdValueTotal))
  const top = Math.max(...groups.map((g) => Number(g.usdValueTotal)), 0)
  fillTable(
    'by-endpoint',
    groups.map((g) => {
      const bar = el('div', { className: 'bar' })
      bar.style.width = `${top > 0 ? (100 * Number(g.usdValueTotal)) / top : 0}%`
      return [
        td(g.key, 'mono'),
        td(String(g.payments), 'num'),
        td(formatUsd(g.usdValueTotal), 'num'),
        el('td', {}, bar),
      ]
    }),
    'No settled payments in this range.',
    4,
  )
  const decimals = new Map(stats.data.assets.map((a) => [a.asset, a.decimals]))
  fillTable(
    'by-token',
    byToken.data.groups.map((g) => {
      const [amount] = g.amounts
      const shown = tokenAmount(amount.amount, amount.assetSymbol, decimals.get(amount.asset))
      return [
        tokenCell(amount.assetSymbol),
        td(String(g.payments), 'num'),
        td(shown.text, 'num', shown.exact),
        td(formatUsd(g.usdValueTotal), 'num'),
      ]
    }),
    'No settled payments in this range.',
    4,
  )
}

function paymentCells(row, { withUsd = true } = {}) {
  const amount = tokenAmount(row.amount, row.assetSymbol)
  return [
    td(utc(row.createdAt)),
    td(row.route, 'mono'),
    td(shortHex(row.payer), 'mono', row.payer),
    td(amount.text, 'num', amount.exact),
    ...(withUsd ? [td(formatUsd(row.usdValue), 'num')] : []),
    badge(row.state),
    td(row.txHash ? shortHex(row.txHash) : '—', 'mono', row.txHash ?? undefined),
    td(row.failureReason ?? '', 'muted'),
  ]
}

function renderSettlements(settlements) {
  fillTable(
    'settlements',
    settlements.data.map((row) => {
      const [created, route, payer, amount, state, tx, reason] = paymentCells(row, { withUsd: false })
      return [created, state, route, payer, amount, tx, reason]
    }),
    'Nothing pending or failed.',
    7,
  )
}

function renderSpendRefusals(spend) {
  fillTable(
    'spend-refusals',
    spend.data.map((row) => [
      td(utc(row.createdAt)),
      td(shortHex(row.payer), 'mono', row.payer),
      td(row.route, 'mono'),
      td(formatUsd(row.usdValue), 'num'),
    ]),
    'No spend limit was hit.',
    4,
  )
}

function renderFreshness(market) {
  $('data-source').textContent = market.data.source ? `source: ${market.data.source}` : ''
  fillTable(
    'freshness',
    market.data.intervals.map((i) => [
      td(i.interval === '1d' ? 'daily (1d)' : 'hourly (1h)'),
      td(String(i.symbols), 'num'),
      td(i.candles.toLocaleString('en-US'), 'num'),
      td(i.newest ?? '—', 'mono'),
      td(i.ageSeconds === null ? '—' : i.ageSeconds === 0 ? 'still open' : `${age(i.ageSeconds)} ago`),
      i.ageSeconds === null ? badge('no data', 'none') : badge(i.stale ? 'stale' : 'fresh'),
    ]),
    'No market data.',
    6,
  )
}

// ---- payments table with filters and keyset paging ----------------------------------------------------------------

const paging = { stack: [], cursor: undefined, next: null }

function paymentFilters() {
  const form = new FormData($('filters'))
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) })
  for (const name of ['payer', 'route', 'state', 'from', 'to']) {
    const value = String(form.get(name) ?? '').trim()
    if (value) query.set(name, value)
  }
  if (paging.cursor) query.set('cursor', paging.cursor)
  return query
}

async function loadPayments() {
  $('payments-error').hidden = true
  try {
    const page = await api(`/payments?${paymentFilters()}`)
    paging.next = page.nextCursor
    fillTable(
      'payments',
      page.data.map((row) => paymentCells(row)),
      'No payments match.',
      8,
    )
  } catch (error) {
    if (error.status === 401) return signOut(error.message)
    $('payments-error').textContent = error.message
    $('payments-error').hidden = false
    fillTable('payments', [], 'No payments shown.', 8)
    paging.next = null
  }
  $('older').disabled = !paging.next
  $('newer').disabled = paging.stack.length === 0
  $('page-label').textContent = `page ${paging.stack.length + 1}`
}

// ---- loading, signing in and out ----------------------------------------------------------------------------------

function currentRange() {
  const days = Number($('range').value)
  const to = dayOf(Date.now())
  const from = dayOf(Date.now() - (days - 1) * 86_400_000)
  return { days, from, to }
}

let timer
let loading = false

async function load() {
  if (loading) return
  loading = true
  const range = currentRange()
  const span = `from=${range.from}&to=${range.to}`
  try {
    const [byToken, byEndpoint, stats, perHour, refusals, settlements, spend, market] = await Promise.all([
      api(`/revenue?groupBy=token&${span}`),
      api(`/revenue?groupBy=endpoint&${span}`),
      api(`/stats/revenue?${span}`),
      api('/stats/payments?bucket=hour'),
      api(`/stats/refusals?${span}`),
      api('/settlements?limit=50'),
      api(`/refusals?reason=spend_limit_exceeded&limit=10&${span}`),
      api('/market-data'),
    ])
    $('error').hidden = true
    showDashboard()
    renderKpis({ byToken, stats, settlements, refusals, market }, range)
    drawRevenuePerDay(stats, range)
    drawPaymentsPerHour(perHour)
    drawRefusals(refusals)
    renderRevenueTables({ byEndpoint, byToken, stats })
    renderSettlements(settlements)
    renderSpendRefusals(spend)
    renderFreshness(market)
    await loadPayments()
    $('updated').textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`
  } catch (error) {
    if (error.status === 401) signOut(error.message)
    else {
      $('error').textContent = error.message
      $('error').hidden = false
    }
  } finally {
    loading = false
  }
}

function showDashboard() {
  $('login').hidden = true
  $('dashboard').hidden = false
  $('controls').hidden = false
  clearInterval(timer)
  timer = setInterval(load, REFRESH_MS)
}

/** Forgets the key and everything shown with it. */
function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE)
  clearInterval(timer)
  for (const id of Object.keys(charts)) {
    charts[id].destroy()
    delete charts[id]
  }
  for (const node of document.querySelectorAll(
    '#dashboard .figure, #dashboard .kpi .muted, #dashboard tbody',
  )) {
    node.replaceChildren()
  }
  paging.stack = []
  paging.cursor = undefined
  $('dashboard').hidden = true
  $('controls').hidden = true
  $('error').hidden = true
  $('login').hidden = false
  $('login-error').textContent = message ?? ''
  $('login-error').hidden = !message
  $('admin-key').value = ''
  $('admin-key').focus()
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const key = $('admin-key').value.trim()
  if (!/^x4a_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/.test(key)) {
    $('login-error').textContent = 'That does not look like an admin key (x4a_<id>_<secret>).'
    $('login-error').hidden = false
    return
  }
  sessionStorage.setItem(KEY_STORAGE, key)
  $('admin-key').value = ''
  $('login-error').hidden = true
  load()
})
$('sign-out').addEventListener('click', () => signOut())
$('refresh').addEventListener('click', () => load())
$('range').addEventListener('change', () => load())
$('filters').addEventListener('submit', (event) => {
  event.preventDefault()
  paging.stack = []
  paging.cursor = undefined
  loadPayments()
})
$('filters').addEventListener('reset', () => {
  paging.stack = []
  paging.cursor = undefined
  setTimeout(loadPayments)
})
$('older').addEventListener('click', () => {
  if (!paging.next) return
  paging.stack.push(paging.cursor)
  paging.cursor = paging.next
  loadPayments()
})
$('newer').addEventListener('click', () => {
  if (paging.stack.length === 0) return
  paging.cursor = paging.stack.pop()
  loadPayments()
})

if (sessionStorage.getItem(KEY_STORAGE)) load()
else signOut()
