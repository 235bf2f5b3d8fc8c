import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import * as prettier from 'prettier';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { UFS } from '../src/core/brazil.ts';
import { BRAZIL_TOPOLOGY } from '../src/render/charts/brazil-geo.ts';
import { buildCharts, CHART_IDS, COLORS, type ChartId, type ChartSpec } from '../src/render/charts/index.ts';
import { i18n, LOCALES, type Locale } from '../src/render/i18n.ts';
import { goldenMetrics, type GoldenCase } from './support/sample-metrics.ts';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'charts');
const CASES = [
  { name: 'busy-week', locales: LOCALES },
  { name: 'empty-period', locales: LOCALES },
] as const;

function chartsFor(caseName: GoldenCase, locale: Locale): Map<ChartId, ChartSpec> {
  return new Map(buildCharts(goldenMetrics(caseName), i18n(locale)).map((c) => [c.id, c]));
}

function chart(caseName: GoldenCase, locale: Locale, id: ChartId): ChartSpec {
  const found = chartsFor(caseName, locale).get(id);
  if (!found) throw new Error(`no chart ${id}`);
  return found;
}

/**
 * Compares with the expected file; on a mismatch writes `<file>-changed` beside it and fails. A missing
 * expected file is written (reviewed in the diff), except under CI, where it fails instead.
 */
async function expectGolden(file: string, actual: unknown): Promise<void> {
  const text = await prettier.format(JSON.stringify(actual), {
    ...(await prettier.resolveConfig(file)),
    filepath: file,
  });
  const changed = `${file}-changed`;
  if (!existsSync(file)) {
    if (process.env.CI === 'true') throw new Error(`expected output missing: ${file} (never regenerated under CI)`);
    writeFileSync(file, text);
    return;
  }
  const expected: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const normalized: unknown = JSON.parse(JSON.stringify(actual));
  if (isDeepStrictEqual(normalized, expected)) {
    rmSync(changed, { force: true });
    return;
  }
  writeFileSync(changed, text);
  expect(normalized, `${path.relative(process.cwd(), file)} changed: diff it with ${path.basename(changed)}`).toEqual(
    expected,
  );
}

/** The vendored map (tested on its own below) stands in the golden files as its path, to keep diffs readable. */
function withoutTopology(spec: unknown): unknown {
  return JSON.parse(JSON.stringify(spec), (_key, value: unknown) =>
    isDeepStrictEqual(value, BRAZIL_TOPOLOGY) ? 'templates/geo/brazil-states.topo.json' : value,
  );
}

type Logger = NonNullable<NonNullable<Parameters<typeof compile>[1]>['logger']>;

/** A Vega/Vega-Lite logger that keeps warnings and errors instead of printing them. */
function collectingLogger(messages: string[]): Logger {
  const logger = {
    level: () => logger,
    error: (...args: unknown[]) => (messages.push(`error: ${args.join(' ')}`), logger),
    warn: (...args: unknown[]) => (messages.push(`warn: ${args.join(' ')}`), logger),
    info: () => logger,
    debug: () => logger,
  };
  return logger as unknown as Logger;
}

type Node = Record<string, unknown>;

/** Every unit view (a node with a mark) with the tooltip it gets from itself or a parent layer. */
function unitViews(node: Node, inherited?: unknown): { mark: unknown; tooltip: unknown }[] {
  const encoding = node.encoding as Node | undefined;
  const tooltip = encoding?.tooltip ?? inherited;
  const children = (['layer', 'hconcat', 'vconcat', 'concat'] as const).flatMap((key) => (node[key] as Node[]) ?? []);
  const own = node.mark ? [{ mark: node.mark, tooltip }] : [];
  return [...own, ...children.flatMap((child) => unitViews(child, tooltip))];
}

describe('chart specs match the golden files', () => {
  for (const { name, locales } of CASES) {
    for (const locale of locales) {
      it(`${name} in ${locale}`, async () => {
        const charts = buildCharts(goldenMetrics(name), i18n(locale));

        for (const c of charts) {
          await expectGolden(path.join(GOLDEN, name, `${c.id}.${locale}.vl.json`), withoutTopology(c.spec));
        }
      });
    }
  }
});

describe('buildCharts', () => {
  it('returns the seven panel visuals in panel order', () => {
    const charts = buildCharts(goldenMetrics('busy-week'), i18n('pt-BR'));

    expect(charts.map((c) => c.id)).toEqual([...CHART_IDS]);
    expect(charts.map((c) => c.title)).toEqual(Object.values(i18n('pt-BR').t.charts));
  });

  it('is pure: the same input gives the same output, and the metrics are not touched', () => {
    const metrics = goldenMetrics('busy-week');
    const before = structuredClone(metrics);

    const first = buildCharts(metrics, i18n('en'));
    const second = buildCharts(metrics, i18n('en'));

    expect(second).toEqual(first);
    expect(metrics).toEqual(before);
  });

  it('marks every chart of a busy period as not empty, and every chart of a quiet one as empty', () => {
    const busy = buildCharts(goldenMetrics('busy-week'), i18n('pt-BR'));
    const quiet = buildCharts(goldenMetrics('empty-period'), i18n('pt-BR'));

    expect(busy.map((c) => c.empty)).toEqual(CHART_IDS.map(() => false));
    expect(quiet.map((c) => c.empty)).toEqual(CHART_IDS.map(() => true));
  });

  it('draws the "no activity" notice, in the reader\'s language, for an empty chart', () => {
    for (const locale of LOCALES) {
      const { t } = i18n(locale);
      for (const c of buildCharts(goldenMetrics('empty-period'), i18n(locale))) {
        expect(JSON.stringify(c.spec)).toContain(t.noActivity);
        expect(c.alt).toContain(t.noActivity);
      }
    }
  });

  it('keeps the data tables of an empty period complete', () => {
    const charts = chartsFor('empty-period', 'en');

    expect(charts.get('contacts-by-state')?.table.rows).toHaveLength(29);
    expect(charts.get('sales-heatmap')?.table.rows).toHaveLength(168);
    expect(charts.get('daily-volume')?.table.rows).toHaveLength(7);
  });
});

describe('alt texts state the key numbers as the reader writes them', () => {
  it('message funnel', () => {
    expect(chart('busy-week', 'pt-BR', 'message-funnel').alt).toContain(
      'Enviadas 12.480, Entregues 11.020 (88,3%), Lidas 8.315 (75,5%), Clicadas 1.904 (22,9%), Respondidas 1.127 (59,2%)',
    );
    expect(chart('busy-week', 'en', 'message-funnel').alt).toContain(
      'Sent 12,480, Delivered 11,020 (88.3%), Read 8,315 (75.5%), Clicked 1,904 (22.9%), Replied 1,127 (59.2%)',
    );
  });

  it('journey funnel', () => {
    expect(chart('busy-week', 'pt-BR', 'journey-funnel').alt).toContain('Alcançados 11.020, Vendas 1.318 (12,0%)');
    expect(chart('busy-week', 'en', 'journey-funnel').alt).toContain('Reached 11,020, Sales 1,318 (12.0%)');
  });

  it('contacts by month', () => {
    const alt = chart('busy-week', 'pt-BR', 'contacts-by-month').alt;
    expect(alt).toContain('nov. de 2026: Total 33.870 (Disparos 31.240, Vendas 4.420, Suporte 2.910)');
    expect(chart('busy-week', 'en', 'contacts-by-month').alt).toContain('Jun 2026: Total 41,230');
  });

  it('contacts by state', () => {
    const alt = chart('busy-week', 'pt-BR', 'contacts-by-state').alt;
    expect(alt).toContain('São Paulo 14.210 (30,5%)');
    expect(alt).toContain('Desconhecido 1.204 (2,6%), Exterior 187 (0,4%)');
    expect(alt).toContain('Total 46.641');
    expect(chart('busy-week', 'en', 'contacts-by-state').alt).toContain('Unknown 1,204 (2.6%), Abroad 187 (0.4%)');
  });

  it('daily volume', () => {
    expect(chart('busy-week', 'pt-BR', 'daily-volume').alt).toContain('Disparos 13.580 (pico 17/11: 3.410)');
    expect(chart('busy-week', 'en', 'daily-volume').alt).toContain('Broadcasts 13,580 (peak 11/17: 3,410)');
  });

  it('service distribution', () => {
    expect(chart('busy-week', 'pt-BR', 'service-distribution').alt).toContain(
      'Vendas 1.588 (60,6%), Suporte 1.033 (39,4%); Total 2.621',
    );
    expect(chart('busy-week', 'en', 'service-distribution').alt).toContain(
      'Sales 1,588 (60.6%), Support 1,033 (39.4%)',
    );
  });

  it('sales heatmap', () => {
    expect(chart('busy-week', 'pt-BR', 'sales-heatmap').alt).toContain('5.455 mensagens; pico ter 11:00–11:59: 108');
    expect(chart('busy-week', 'en', 'sales-heatmap').alt).toContain('5,455 messages; peak Tue 11:00–11:59: 108');
  });
});

describe('data tables', () => {
  it('have localized headers and raw numbers', () => {
    const pt = chart('busy-week', 'pt-BR', 'message-funnel').table;
    const en = chart('busy-week', 'en', 'message-funnel').table;

    expect(pt.columns).toEqual(['Etapa', 'Contatos', 'Conversão da etapa anterior', 'Conversão desde o envio']);
    expect(en.columns).toEqual(['Stage', 'Contacts', 'Conversion from previous stage', 'Conversion from sent']);
    expect(pt.rows[0]).toEqual(['Enviadas', 12480, '', 1]);
    expect(en.rows[1]).toEqual(['Delivered', 11020, 0.883, 0.883]);
  });

  it('have one row per item of the metrics', () => {
    const charts = chartsFor('busy-week', 'pt-BR');
    const rows = (id: ChartId) => charts.get(id)?.table.rows ?? [];

    expect(rows('message-funnel')).toHaveLength(5);
    expect(rows('journey-funnel')).toHaveLength(2);
    expect(rows('contacts-by-month')).toHaveLength(6);
    expect(rows('contacts-by-state')).toHaveLength(29);
    expect(rows('daily-volume')).toHaveLength(7);
    expect(rows('service-distribution')).toHaveLength(2);
    expect(rows('sales-heatmap')).toHaveLength(168);
  });

  it('name the states, the unknown and the foreign buckets', () => {
    const rows = chart('busy-week', 'pt-BR', 'contacts-by-state').table.rows;

    expect(rows[0]).toEqual(['SP', 'São Paulo', 14210]);
    expect(rows).toContainEqual(['UNKNOWN', 'Desconhecido', 1204]);
    expect(rows).toContainEqual(['FOREIGN', 'Exterior', 187]);
    expect(rows).toContainEqual(['DF', 'Distrito Federal', 980]);
    expect(rows).toContainEqual(['AP', 'Amapá', 0]);
  });

  it('keep the heatmap in weekday-then-hour order with localized weekdays', () => {
    const rows = chart('busy-week', 'en', 'sales-heatmap').table.rows;

    expect(rows[0]?.slice(0, 2)).toEqual(['Mon', 0]);
    expect(rows[167]?.slice(0, 2)).toEqual(['Sun', 23]);
  });
});

describe('every spec', () => {
  const all = CASES.flatMap(({ name, locales }) =>
    locales.flatMap((locale) => buildCharts(goldenMetrics(name), i18n(locale)).map((c) => ({ name, locale, c }))),
  );

  it.each(all.map(({ name, locale, c }) => [`${c.id} ${name} ${locale}`, c] as const))(
    '%s compiles and runs without warnings',
    async (_label, c) => {
      const messages: string[] = [];

      const vg = compile(c.spec, { logger: collectingLogger(messages) }).spec;
      const view = new vega.View(vega.parse(vg), { renderer: 'none', logger: collectingLogger(messages) as never });
      await view.runAsync();
      view.finalize();

      expect(messages).toEqual([]);
    },
  );

  it('has a white opaque background, Inter and the 560 px email width', () => {
    for (const { c } of all) {
      const spec = c.spec as unknown as Node & { config: Node };
      expect(spec.background).toBe('white');
      expect(String(spec.config.font).split(',')[0]).toBe('Inter'); // then the reader's fonts, on the page
      if (!spec.hconcat) expect([spec.width, spec.autosize]).toEqual([560, { type: 'fit', contains: 'padding' }]);
    }
  });

  it('gives every mark a tooltip with localized titles', () => {
    for (const { locale, c } of all) {
      const fieldNames = Object.values(i18n(locale).t.fields);
      for (const unit of unitViews(c.spec as unknown as Node)) {
        expect(unit.tooltip, `${c.id}: ${JSON.stringify(unit.mark)}`).toBeTruthy();
        const entries = (Array.isArray(unit.tooltip) ? unit.tooltip : [unit.tooltip]) as Node[];
        if (c.empty) continue;
        for (const entry of entries) expect(typeof entry.title === 'string' && entry.title.length > 0).toBe(true);
        expect(
          entries.some((e) => fieldNames.includes(e.title as string) || e.title === i18n(locale).t.series.total),
        ).toBe(true);
      }
    }
  });

  it('carries its alt text as the spec description', () => {
    for (const { c } of all) expect((c.spec as unknown as Node).description).toBe(c.alt);
  });
});

describe('the Brazil map', () => {
  it('has exactly the 27 states, with UF ids', () => {
    const ids = BRAZIL_TOPOLOGY.objects.states.geometries.map((g) => g.id).sort();

    expect(ids).toEqual([...UFS].sort());
  });

  it('looks up each state in the metrics and shows unknown and foreign beside the map', () => {
    const spec = chart('busy-week', 'pt-BR', 'contacts-by-state').spec as unknown as {
      hconcat: [Node & { transform: { from: { data: { values: { state: string }[] } } }[] }, Node];
    };
    const [map, side] = spec.hconcat;

    expect(map.projection).toEqual({ type: 'mercator' });
    expect(map.transform[0]?.from.data.values.map((r) => r.state)).toHaveLength(29);
    expect(JSON.stringify(side)).toContain('Desconhecido');
    expect(JSON.stringify(side)).toContain('Exterior');
  });
});

describe('palette', () => {
  /** WCAG relative luminance contrast against white. */
  function contrastOnWhite(hex: string): number {
    const channel = (at: number) => {
      const c = parseInt(hex.slice(at, at + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    return 1.05 / (luminance + 0.05);
  }

  it('gives each series at least 3:1 contrast against the white background', () => {
    for (const color of [COLORS.broadcast, COLORS.sales, COLORS.support, COLORS.total]) {
      expect(contrastOnWhite(color)).toBeGreaterThanOrEqual(3);
    }
  });

  it('writes text with at least 4.5:1 contrast', () => {
    expect(contrastOnWhite(COLORS.text)).toBeGreaterThanOrEqual(4.5);
    expect(contrastOnWhite(COLORS.muted)).toBeGreaterThanOrEqual(4.5);
  });
});
