import type { ReportMetrics } from '../../core/report.types.ts';
import type { I18n } from '../i18n.ts';
import type { ChartSpec } from './chart-spec.ts';
import { funnel } from './funnel.ts';
import { COLORS } from './theme.ts';

/** REACHED → SALES: reached contacts that opened a sales service within the attribution window. */
export function journeyFunnelChart(metrics: ReportMetrics, i: I18n): ChartSpec {
  const title = i.t.charts.journeyFunnel;
  const steps = metrics.journeyFunnel.map((s) => ({
    label: i.t.stages[s.stage],
    contacts: s.contacts,
    color: s.stage === 'SALES' ? COLORS.sales : COLORS.broadcast,
  }));
  return { id: 'journey-funnel', title, ...funnel(title, steps, i) };
}
