/**
 * prom-client for the Worker bundle (wrangler.toml `[alias]`): the metric classes and the registry only. The package's
 * own entry also loads its pushgateway, cluster aggregator and default process metrics, which need Node's http,
 * https, zlib, cluster, v8, fs and perf_hooks; none of them is used on Workers.
 */
// @ts-expect-error prom-client ships types for its entry only; these are the same classes it re-exports.
import Counter from 'prom-client/lib/counter'
// @ts-expect-error see above
import Gauge from 'prom-client/lib/gauge'
// @ts-expect-error see above
import Histogram from 'prom-client/lib/histogram'
// @ts-expect-error see above
import Registry from 'prom-client/lib/registry'

export { Counter, Gauge, Histogram, Registry }
