import type { ReportMetrics } from '../core/report.types.ts';
import type { I18n, Locale } from './i18n.ts';

export interface Insight {
  id: 'kpi-change' | 'weakest-step' | 'peak-hour' | 'top-state' | 'contact-trend';
  text: string;
}

type KpiName = keyof ReportMetrics['kpis'];

/** Sentences per locale; the numbers come already formatted. */
const SENTENCES: Record<
  Locale,
  {
    kpiUp: (kpi: string, change: string, from: string, to: string) => string;
    kpiDown: (kpi: string, change: string, from: string, to: string) => string;
    kpiNew: (kpi: string, to: string) => string;
    weakestStep: (from: string, to: string, rate: string) => string;
    peakHour: (weekday: string, hour: number, messages: string) => string;
    topState: (state: string, share: string, contacts: string) => string;
    trendUp: (from: string, fromMonth: string, to: string, toMonth: string, change: string) => string;
    trendDown: (from: string, fromMonth: string, to: string, toMonth: string, change: string) => string;
    trendFlat: (value: string, fromMonth: string, toMonth: string) => string;
    /** Appended (before the full stop) when the chart's last month is cut at the period's end and left out. */
    partialMonth: (month: string, lastDay: string) => string;
  }
> = {
  'pt-BR': {
    kpiUp: (k, c, f, t) => `${k}: alta de ${c} em relação ao período anterior (de ${f} para ${t}).`,
    kpiDown: (k, c, f, t) => `${k}: queda de ${c} em relação ao período anterior (de ${f} para ${t}).`,
    kpiNew: (k, t) => `${k}: ${t} neste período, contra nenhum no período anterior.`,
    weakestStep: (f, t, r) => `A etapa mais fraca do funil é ${f} → ${t}: só ${r} avançaram.`,
    peakHour: (w, h, m) => `O pico de interações de vendas foi ${w}, das ${h}h às ${h + 1}h (${m} mensagens).`,
    topState: (s, sh, c) => `${s} concentra ${sh} da base de contatos (${c}).`,
    trendUp: (f, fm, t, tm, c) => `Contatos ativos por mês cresceram ${c}: de ${f} em ${fm} para ${t} em ${tm}.`,
    trendDown: (f, fm, t, tm, c) => `Contatos ativos por mês caíram ${c}: de ${f} em ${fm} para ${t} em ${tm}.`,
    trendFlat: (v, fm, tm) => `Contatos ativos por mês estáveis em torno de ${v} entre ${fm} e ${tm}.`,
    partialMonth: (m, d) => `, o último mês completo (${m} só conta até ${d})`,
  },
  en: {
    kpiUp: (k, c, f, t) => `${k} rose ${c} over the previous period (from ${f} to ${t}).`,
    kpiDown: (k, c, f, t) => `${k} fell ${c} over the previous period (from ${f} to ${t}).`,
    kpiNew: (k, t) => `${k}: ${t} this period, against none in the previous one.`,
    weakestStep: (f, t, r) => `The weakest funnel step is ${f} → ${t}: only ${r} moved on.`,
    peakHour: (w, h, m) => `Sales interactions peaked on ${w}, ${h}:00–${h + 1}:00 (${m} messages).`,
    topState: (s, sh, c) => `${s} holds ${sh} of the contact base (${c}).`,
    trendUp: (f, fm, t, tm, c) => `Active contacts per month grew ${c}: from ${f} in ${fm} to ${t} in ${tm}.`,
    trendDown: (f, fm, t, tm, c) => `Active contacts per month fell ${c}: from ${f} in ${fm} to ${t} in ${tm}.`,
    trendFlat: (v, fm, tm) => `Active contacts per month held steady around ${v} from ${fm} to ${tm}.`,
    partialMonth: (m, d) => `, the last complete month (${m} is counted only to ${d})`,
  },
};

const WEEKDAY_NAMES: Record<Locale, string[]> = {
  'pt-BR': [
    'na segunda-feira',
    'na terça-feira',
    'na quarta-feira',
    'na quinta-feira',
    'na sexta-feira',
    'no sábado',
    'no domingo',
  ],
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
};

/** The relative change of a KPI, or null when there is nothing to compare. */
export function kpiChange(kpi: { value: number; previous: number }): number | null {
  return kpi.previous > 0 ? (kpi.value - kpi.previous) / kpi.previous : null;
}

function largestKpiChange(m: ReportMetrics, i: I18n): Insight | null {
  const s = SENTENCES[i.locale];
  const names = Object.keys(m.kpis) as KpiName[];
  let best: { name: KpiName; change: number } | null = null;
  for (const name of names) {
    const change = kpiChange(m.kpis[name]);
    if (change !== null && change !== 0 && (!best || Math.abs(change) > Math.abs(best.change))) best = { name, change };
  }
  if (best) {
    const { value, previous } = m.kpis[best.name];
    const sentence = best.change > 0 ? s.kpiUp : s.kpiDown;
    const text = sentence(i.t.kpi[best.name], i.percent(Math.abs(best.change)), i.number(previous), i.number(value));
    return { id: 'kpi-change', text };
  }
  const fresh = names.find((n) => m.kpis[n].previous === 0 && m.kpis[n].value > 0);
  return fresh ? { id: 'kpi-change', text: s.kpiNew(i.t.kpi[fresh], i.number(m.kpis[fresh].value)) } : null;
}

function weakestFunnelStep(m: ReportMetrics, i: I18n): Insight | null {
  let weakest: { from: string; to: string; rate: number } | null = null;
  for (let k = 1; k < m.messageFunnel.length; k++) {
    const from = m.messageFunnel[k - 1]!;
    const to = m.messageFunnel[k]!;
    if (from.contacts === 0) continue;
    const rate = to.contacts / from.contacts;
    if (!weakest || rate < weakest.rate) weakest = { from: i.t.stages[from.stage], to: i.t.stages[to.stage], rate };
  }
  return weakest
    ? { id: 'weakest-step', text: SENTENCES[i.locale].weakestStep(weakest.from, weakest.to, i.percent(weakest.rate)) }
    : null;
}

function peakHour(m: ReportMetrics, i: I18n): Insight | null {
  const peak = m.salesHeatmap.reduce((a, b) => (b.messages > a.messages ? b : a), m.salesHeatmap[0]!);
  if (!peak || peak.messages === 0) return null;
  const weekday = WEEKDAY_NAMES[i.locale][peak.weekday - 1]!;
  return { id: 'peak-hour', text: SENTENCES[i.locale].peakHour(weekday, peak.hour, i.number(peak.messages)) };
}

function topState(m: ReportMetrics, i: I18n): Insight | null {
  const total = m.contactsByState.reduce((sum, s) => sum + s.contacts, 0);
  const top = m.contactsByState.find((s) => s.state !== 'UNKNOWN' && s.state !== 'FOREIGN');
  if (!top || top.contacts === 0 || total === 0) return null;
  return {
    id: 'top-state',
    text: SENTENCES[i.locale].topState(top.state, i.percent(top.contacts / total), i.number(top.contacts)),
  };
}

/** First versus last complete month of the six (the last month counts only when the period closes it). */
function contactTrend(m: ReportMetrics, i: I18n): Insight | null {
  const lastDay = new Date(`${m.period.end}T00:00:00Z`);
  lastDay.setUTCDate(lastDay.getUTCDate() + 1);
  const lastMonthComplete = lastDay.getUTCDate() === 1;
  const months = lastMonthComplete ? m.contactsByMonth : m.contactsByMonth.slice(0, -1);
  const first = months.find((x) => x.total > 0);
  const last = months.at(-1);
  if (!first || !last || first === last) return null;
  const s = SENTENCES[i.locale];
  const change = (last.total - first.total) / first.total;
  const args = [i.number(first.total), i.month(first.month), i.number(last.total), i.month(last.month)] as const;
  const sentence =
    Math.abs(change) < 0.02
      ? s.trendFlat(i.number(last.total), args[1], args[3])
      : (change > 0 ? s.trendUp : s.trendDown)(...args, i.percent(Math.abs(change)));
  const cut = m.contactsByMonth.at(-1);
  // Beside a chart that shows the cut month, say why the comparison stops before it.
  const text =
    lastMonthComplete || !cut
      ? sentence
      : `${sentence.slice(0, -1)}${s.partialMonth(i.month(cut.month), i.shortDate(m.period.end))}.`;
  return { id: 'contact-trend', text };
}

/** Three to five plain-language highlights; fewer only when the period has too little activity to say more. */
export function buildInsights(m: ReportMetrics, i: I18n): Insight[] {
  return [largestKpiChange, weakestFunnelStep, peakHour, topState, contactTrend]
    .map((insight) => insight(m, i))
    .filter((x): x is Insight => x !== null);
}
