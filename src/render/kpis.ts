import type { ReportMetrics } from '../core/report.types.ts';
import type { I18n } from './i18n.ts';
import { kpiChange } from './insights.ts';

export interface KpiTile {
  id: keyof ReportMetrics['kpis'];
  label: string;
  value: string;
  previous: string;
  /** Localized signed change, or a word when there is no ratio to show. */
  change: string;
  direction: 'up' | 'down' | 'flat';
  arrow: '▲' | '▼' | '■';
}

/** The four KPI blocks of the panel, formatted for reading. */
export function kpiTiles(m: ReportMetrics, i: I18n): KpiTile[] {
  return (Object.keys(m.kpis) as KpiTile['id'][]).map((id) => {
    const kpi = m.kpis[id];
    const ratio = kpiChange(kpi);
    const direction = kpi.value > kpi.previous ? 'up' : kpi.value < kpi.previous ? 'down' : 'flat';
    const change =
      ratio === null
        ? kpi.value > 0
          ? i.t.newSincePrevious
          : i.t.noChange
        : ratio === 0
          ? i.t.noChange
          : i.change(ratio);
    return {
      id,
      label: i.t.kpi[id],
      value: i.number(kpi.value),
      previous: i.number(kpi.previous),
      change,
      direction,
      arrow: direction === 'up' ? '▲' : direction === 'down' ? '▼' : '■',
    };
  });
}

/** True when nothing happened in the period: no reach, no service, no sales message. */
export function hasNoActivity(m: ReportMetrics): boolean {
  return (
    m.messageFunnel.every((s) => s.contacts === 0) &&
    m.serviceDistribution.sales === 0 &&
    m.serviceDistribution.support === 0 &&
    m.salesHeatmap.every((c) => c.messages === 0)
  );
}
