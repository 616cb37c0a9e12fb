import type { BarCounts, MarketStore } from './store'

export type RealDataAdmission =
  | { ok: true; removedSynthetic: BarCounts }
  | { ok: false; reason: 'synthetic_data_present'; synthetic: BarCounts }

/**
 * Real market data must never be mixed with the synthetic demo bars an offline first run stored: answers would blend
 * invented and real prices under one label. Before an ingestion, a store holding synthetic bars is refused, unless
 * the caller asked to replace them, in which case they are deleted first.
 */
export async function admitRealData(
  store: MarketStore,
  options: { replaceSynthetic: boolean },
): Promise<RealDataAdmission> {
  const synthetic = await store.syntheticBars()
  if (synthetic.daily + synthetic.hourly === 0) return { ok: true, removedSynthetic: synthetic }
  if (!options.replaceSynthetic) return { ok: false, reason: 'synthetic_data_present', synthetic }
  return { ok: true, removedSynthetic: await store.removeSyntheticBars() }
}
