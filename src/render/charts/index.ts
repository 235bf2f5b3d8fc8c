import type { ReportMetrics } from '../../core/report.types.ts';
import type { I18n } from '../i18n.ts';
import type { ChartSpec } from './chart-spec.ts';
import { contactsByMonthChart } from './contacts-by-month.ts';
import { contactsByStateChart } from './contacts-by-state.ts';
import { dailyVolumeChart } from './daily-volume.ts';
import { journeyFunnelChart } from './journey-funnel.ts';
import { messageFunnelChart } from './message-funnel.ts';
import { salesHeatmapChart } from './sales-heatmap.ts';
import { serviceDistributionChart } from './service-distribution.ts';

export { CHART_IDS, type ChartId, type ChartSpec, type ChartTable } from './chart-spec.ts';
export { CHART_WIDTH, COLORS } from './theme.ts';
export {
  contactsByMonthChart,
  contactsByStateChart,
  dailyVolumeChart,
  journeyFunnelChart,
  messageFunnelChart,
  salesHeatmapChart,
  serviceDistributionChart,
};

/** The panel's seven visuals, in the panel's order. */
export function buildCharts(metrics: ReportMetrics, i: I18n): ChartSpec[] {
  return [
    messageFunnelChart(metrics, i),
    journeyFunnelChart(metrics, i),
    contactsByMonthChart(metrics, i),
    contactsByStateChart(metrics, i),
    dailyVolumeChart(metrics, i),
    serviceDistributionChart(metrics, i),
    salesHeatmapChart(metrics, i),
  ];
}
