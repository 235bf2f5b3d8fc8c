import type { Config, TopLevelSpec } from 'vega-lite';
import { PERCENT_DIGITS, type I18n, type Locale } from '../i18n.ts';

/** Total chart width in CSS pixels: a 600 px email minus its side padding. */
export const CHART_WIDTH = 560;
/** Inter first (shipped for PNGs); the page falls back to the reader's sans-serif fonts. */
export const FONT = "Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Series colours: each has at least 3:1 contrast against white (WCAG 1.4.11) and they differ in
 * lightness too, so they stay apart for colour-blind readers.
 */
export const COLORS = {
  broadcast: '#5b5bd6',
  sales: '#0b8043',
  support: '#d97706',
  total: '#1f2937',
  text: '#1f2937',
  muted: '#4b5563',
  axis: '#9ca3af',
  grid: '#e5e7eb',
  zero: '#eef0f3',
  border: '#ffffff',
  unknown: '#9ca3af',
} as const;

/** Numbers and dates as d3-format/d3-time-format write them in each locale (used by axes and tooltips). */
const VEGA_LOCALES: Record<Locale, NonNullable<Config['locale']>> = {
  'pt-BR': {
    number: { decimal: ',', thousands: '.', grouping: [3], currency: ['R$\u00a0', ''] },
    time: {
      dateTime: '%A, %e de %B de %Y. %X',
      date: '%d/%m/%Y',
      time: '%H:%M:%S',
      periods: ['AM', 'PM'],
      days: ['domingo', 'segunda', 'terça', 'quarta', 'quinta', 'sexta', 'sábado'],
      shortDays: ['dom', 'seg', 'ter', 'qua', 'qui', 'sex', 'sáb'],
      months: [
        'janeiro',
        'fevereiro',
        'março',
        'abril',
        'maio',
        'junho',
        'julho',
        'agosto',
        'setembro',
        'outubro',
        'novembro',
        'dezembro',
      ],
      shortMonths: ['jan', 'fev', 'mar', 'abr', 'mai', 'jun', 'jul', 'ago', 'set', 'out', 'nov', 'dez'],
    },
  },
  en: {
    number: { decimal: '.', thousands: ',', grouping: [3], currency: ['$', ''] },
    time: {
      dateTime: '%x, %X',
      date: '%-m/%-d/%Y',
      time: '%-I:%M:%S %p',
      periods: ['AM', 'PM'],
      days: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
      shortDays: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
      months: [
        'January',
        'February',
        'March',
        'April',
        'May',
        'June',
        'July',
        'August',
        'September',
        'October',
        'November',
        'December',
      ],
      shortMonths: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
    },
  },
};

/** Day and month without the year, as d3-time-format writes them in each locale. */
export const SHORT_DATE_FORMAT: Record<Locale, string> = { 'pt-BR': '%d/%m', en: '%m/%d' };

/** The d3 number format for counts in axes and tooltips (grouped thousands, per the spec's locale). */
export const COUNT_FORMAT = ',d';

export function chartConfig(i: I18n): Config {
  return {
    font: FONT,
    locale: VEGA_LOCALES[i.locale],
    view: { stroke: null },
    axis: {
      labelColor: COLORS.muted,
      labelFontSize: 11,
      titleColor: COLORS.muted,
      titleFontSize: 11,
      titleFontWeight: 600,
      domainColor: COLORS.axis,
      tickColor: COLORS.axis,
      gridColor: COLORS.grid,
    },
    legend: {
      labelColor: COLORS.text,
      labelFontSize: 11,
      titleColor: COLORS.muted,
      titleFontSize: 11,
      titleFontWeight: 600,
    },
    text: { font: FONT, color: COLORS.text },
  };
}

/** What every chart shares: schema, white opaque background, Inter, locale. */
export function frame(i: I18n, description: string) {
  return {
    $schema: SCHEMA,
    description,
    background: 'white',
    padding: 8,
    config: chartConfig(i),
  } as const;
}

/** Single views fill exactly CHART_WIDTH, axes and legends included. */
export const FIT = { type: 'fit', contains: 'padding' } as const;

/** A clear notice instead of a blank or broken chart when the period has no activity. */
export function noActivitySpec(i: I18n, description: string): TopLevelSpec {
  return {
    ...frame(i, description),
    width: CHART_WIDTH,
    height: 120,
    autosize: FIT,
    data: { values: [{ text: i.t.noActivity }] },
    encoding: { tooltip: { field: 'text', type: 'nominal' } },
    layer: [
      {
        mark: {
          type: 'rect',
          x: 0,
          y: 0,
          x2: { expr: 'width' },
          y2: { expr: 'height' },
          fill: '#f9fafb',
          stroke: COLORS.grid,
          cornerRadius: 6,
        },
      },
      {
        mark: {
          type: 'text',
          x: { expr: 'width / 2' },
          y: { expr: 'height / 2' },
          align: 'center',
          baseline: 'middle',
          fontSize: 15,
          color: COLORS.muted,
        },
        encoding: { text: { field: 'text' } },
      },
    ],
  };
}

/** A ratio for a table cell, to the precision its percentage is shown with, or '' when the denominator is zero. */
export function ratio(part: number, whole: number): number | '' {
  const scale = 10 ** (PERCENT_DIGITS + 2);
  return whole > 0 ? Math.round((part / whole) * scale) / scale : '';
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
