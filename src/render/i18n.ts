import { DateTime } from 'luxon';
import { DEFAULT_LOCALE, type Locale } from '../core/locale.ts';

export { DEFAULT_LOCALE, LOCALES, type Locale } from '../core/locale.ts';

/** Every percentage a reader sees has exactly this many decimals (5,0%, 9,9%, 100,0%): one rule, side by side. */
export const PERCENT_DIGITS = 1;

/** Every word a reader sees in charts, the email and the archived page. */
export interface Messages {
  reportTitle: string;
  kpi: { contactBase: string; reachedContacts: string; contactsInSales: string; contactsInSupport: string };
  previous: string;
  vsPrevious: string;
  noChange: string;
  newSincePrevious: string;
  charts: {
    messageFunnel: string;
    journeyFunnel: string;
    contactsByMonth: string;
    contactsByState: string;
    dailyVolume: string;
    serviceDistribution: string;
    salesHeatmap: string;
  };
  stages: Record<'SENT' | 'DELIVERED' | 'READ' | 'CLICKED' | 'REPLIED' | 'REACHED' | 'SALES', string>;
  series: {
    broadcast: string;
    sales: string;
    support: string;
    total: string;
    broadcasts: string;
    salesServices: string;
    supportServices: string;
  };
  fields: {
    contacts: string;
    stage: string;
    conversion: string;
    month: string;
    date: string;
    state: string;
    share: string;
    services: string;
    weekday: string;
    hour: string;
    messages: string;
    series: string;
    module: string;
  };
  states: { UNKNOWN: string; FOREIGN: string };
  weekdays: [string, string, string, string, string, string, string];
  noActivity: string;
  /** Words only the charts use. */
  chart: {
    ofPrevious: string;
    ofSent: string;
    conversionFromPrevious: string;
    conversionFromSent: string;
    stateCode: string;
    peak: string;
    volume: string;
  };
  insightsTitle: string;
  openReport: string;
  period: string;
  dataTable: string;
  downloadCsv: string;
  footer: string;
  /** The digest footer's unsubscribe sentence and link label. */
  unsubscribeNote: string;
  unsubscribe: string;
  kpisTitle: string;
  generatedAt: string;
}

const ptBR: Messages = {
  reportTitle: 'Comportamento dos contatos',
  kpi: {
    contactBase: 'Base de contatos',
    reachedContacts: 'Contatos alcançados',
    contactsInSales: 'Contatos em vendas',
    contactsInSupport: 'Contatos em atendimento',
  },
  previous: 'Período anterior',
  vsPrevious: 'vs. período anterior',
  noChange: 'sem variação',
  newSincePrevious: 'novo (antes 0)',
  charts: {
    messageFunnel: 'Funil de conversão por status da mensagem',
    journeyFunnel: 'Funil de conversão por jornadas',
    contactsByMonth: 'Contatos por mês',
    contactsByState: 'Distribuição geográfica',
    dailyVolume: 'Volume de disparos e atendimentos de vendas e suporte',
    serviceDistribution: 'Distribuição dos atendimentos',
    salesHeatmap: 'Volume de interações de vendas',
  },
  stages: {
    SENT: 'Enviadas',
    DELIVERED: 'Entregues',
    READ: 'Lidas',
    CLICKED: 'Clicadas',
    REPLIED: 'Respondidas',
    REACHED: 'Alcançados',
    SALES: 'Vendas',
  },
  series: {
    broadcast: 'Disparos',
    sales: 'Vendas',
    support: 'Suporte',
    total: 'Total',
    broadcasts: 'Disparos',
    salesServices: 'Atendimentos de vendas',
    supportServices: 'Atendimentos de suporte',
  },
  fields: {
    contacts: 'Contatos',
    stage: 'Etapa',
    conversion: 'Conversão',
    month: 'Mês',
    date: 'Data',
    state: 'Estado',
    share: 'Participação',
    services: 'Atendimentos',
    weekday: 'Dia da semana',
    hour: 'Hora',
    messages: 'Mensagens',
    series: 'Série',
    module: 'Módulo',
  },
  states: { UNKNOWN: 'Desconhecido', FOREIGN: 'Exterior' },
  weekdays: ['seg', 'ter', 'qua', 'qui', 'sex', 'sáb', 'dom'],
  noActivity: 'Sem atividade neste período',
  chart: {
    ofPrevious: 'da anterior',
    ofSent: 'das enviadas',
    conversionFromPrevious: 'Conversão da etapa anterior',
    conversionFromSent: 'Conversão desde o envio',
    stateCode: 'UF',
    peak: 'pico',
    volume: 'Volume',
  },
  insightsTitle: 'Destaques',
  openReport: 'Abrir o relatório completo',
  period: 'Período',
  dataTable: 'Dados do gráfico',
  downloadCsv: 'Baixar CSV',
  footer: 'Relatório gerado automaticamente a partir do painel Comportamento dos contatos.',
  unsubscribeNote: 'Não quer mais receber este resumo?',
  unsubscribe: 'Cancelar inscrição',
  kpisTitle: 'Indicadores',
  generatedAt: 'Gerado em',
};

const en: Messages = {
  reportTitle: 'Contact behavior',
  kpi: {
    contactBase: 'Contact base',
    reachedContacts: 'Reached contacts',
    contactsInSales: 'Contacts in sales',
    contactsInSupport: 'Contacts in support',
  },
  previous: 'Previous period',
  vsPrevious: 'vs. previous period',
  noChange: 'no change',
  newSincePrevious: 'new (was 0)',
  charts: {
    messageFunnel: 'Message status conversion funnel',
    journeyFunnel: 'Conversion funnel through journeys',
    contactsByMonth: 'Contacts per month',
    contactsByState: 'Geographic distribution',
    dailyVolume: 'Broadcast volume, sales and support services',
    serviceDistribution: 'Service distribution',
    salesHeatmap: 'Volume of sales interactions',
  },
  stages: {
    SENT: 'Sent',
    DELIVERED: 'Delivered',
    READ: 'Read',
    CLICKED: 'Clicked',
    REPLIED: 'Replied',
    REACHED: 'Reached',
    SALES: 'Sales',
  },
  series: {
    broadcast: 'Broadcast',
    sales: 'Sales',
    support: 'Support',
    total: 'Total',
    broadcasts: 'Broadcasts',
    salesServices: 'Sales services',
    supportServices: 'Support services',
  },
  fields: {
    contacts: 'Contacts',
    stage: 'Stage',
    conversion: 'Conversion',
    month: 'Month',
    date: 'Date',
    state: 'State',
    share: 'Share',
    services: 'Services',
    weekday: 'Weekday',
    hour: 'Hour',
    messages: 'Messages',
    series: 'Series',
    module: 'Module',
  },
  states: { UNKNOWN: 'Unknown', FOREIGN: 'Abroad' },
  weekdays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
  noActivity: 'No activity in this period',
  chart: {
    ofPrevious: 'of previous',
    ofSent: 'of sent',
    conversionFromPrevious: 'Conversion from previous stage',
    conversionFromSent: 'Conversion from sent',
    stateCode: 'State code',
    peak: 'peak',
    volume: 'Volume',
  },
  insightsTitle: 'Highlights',
  openReport: 'Open the full report',
  period: 'Period',
  dataTable: 'Chart data',
  downloadCsv: 'Download CSV',
  footer: 'Report generated automatically from the Contact Behavior panel.',
  unsubscribeNote: 'No longer want this digest?',
  unsubscribe: 'Unsubscribe',
  kpisTitle: 'Key figures',
  generatedAt: 'Generated',
};

const MESSAGES: Record<Locale, Messages> = { 'pt-BR': ptBR, en };

/** Formatting and words for one locale: numbers, percentages, dates and months as its readers write them. */
export interface I18n {
  locale: Locale;
  t: Messages;
  number(n: number): string;
  /** A share, with PERCENT_DIGITS decimals: "9,9%", "5,0%". */
  percent(ratio: number): string;
  /** A signed change, with PERCENT_DIGITS decimals: "+12,5%", "-4,0%". */
  change(ratio: number): string;
  /** A local hour as a range: "09:00–09:59". */
  hours(hour: number): string;
  date(isoDate: string): string;
  shortDate(isoDate: string): string;
  month(yyyyMm: string): string;
  period(start: string, end: string): string;
  /** An instant as a reader in `zone` writes it, with the zone named: "23/11/2026, 06:00 (America/Sao_Paulo)". */
  dateTime(iso: string, zone: string): string;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** Building an Intl.NumberFormat is slow (ICU data): each locale and style is built once per process. */
function numberFormat(locale: Locale, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) numberFormats.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

export function i18n(locale: Locale = DEFAULT_LOCALE): I18n {
  const count = numberFormat(locale, { maximumFractionDigits: 0 });
  const fixed = { minimumFractionDigits: PERCENT_DIGITS, maximumFractionDigits: PERCENT_DIGITS };
  const percent = numberFormat(locale, { style: 'percent', ...fixed });
  const change = numberFormat(locale, { style: 'percent', ...fixed, signDisplay: 'exceptZero' });
  const hh = (hour: number) => String(hour).padStart(2, '0');
  const day = (isoDate: string) => DateTime.fromISO(isoDate, { zone: 'UTC' }).setLocale(locale);
  return {
    locale,
    t: MESSAGES[locale],
    number: (n) => count.format(n),
    percent: (ratio) => percent.format(ratio),
    change: (ratio) => change.format(ratio),
    hours: (hour) => `${hh(hour)}:00–${hh(hour)}:59`,
    date: (isoDate) => day(isoDate).toLocaleString(DateTime.DATE_MED),
    shortDate: (isoDate) => day(isoDate).toLocaleString({ day: '2-digit', month: '2-digit' }),
    month: (yyyyMm) => day(`${yyyyMm}-01`).toLocaleString({ month: 'short', year: 'numeric' }),
    period: (start, end) =>
      `${day(start).toLocaleString(DateTime.DATE_SHORT)} – ${day(end).toLocaleString(DateTime.DATE_SHORT)}`,
    dateTime: (iso, zone) =>
      `${DateTime.fromISO(iso, { zone }).setLocale(locale).toLocaleString(DateTime.DATETIME_SHORT)} (${zone})`,
  };
}
