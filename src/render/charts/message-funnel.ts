import type { ReportMetrics } from '../../core/report.types.ts';
import type { I18n } from '../i18n.ts';
import type { ChartSpec } from './chart-spec.ts';
import { funnel } from './funnel.ts';
import { COLORS } from './theme.ts';

/** SENT → DELIVERED → READ → CLICKED → REPLIED: contacts per broadcast stage. */
export function messageFunnelChart(metrics: ReportMetrics, i: I18n): ChartSpec {
  const title = i.t.charts.messageFunnel;
  const steps = metrics.messageFunnel.map((s) => ({
    label: i.t.stages[s.stage],
    contacts: s.contacts,
    color: COLORS.broadcast,
  }));
  return { id: 'message-funnel', title, ...funnel(title, steps, i) };
}
