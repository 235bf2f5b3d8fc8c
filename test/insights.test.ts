import { describe, expect, it } from 'vitest';
import { i18n } from '../src/render/i18n.ts';
import { buildInsights } from '../src/render/insights.ts';
import { kpiTiles } from '../src/render/kpis.ts';
import { goldenMetrics } from './support/sample-metrics.ts';

describe('insights', () => {
  it('states the largest KPI change, the weakest funnel step, the peak hour, the top state and the trend', () => {
    expect(buildInsights(goldenMetrics('busy-week'), i18n('en')).map((x) => x.text)).toEqual([
      'Contacts in sales rose 6.5% over the previous period (from 1,391 to 1,482).',
      'The weakest funnel step is Read → Clicked: only 22.9% moved on.',
      'Sales interactions peaked on Tuesday, 11:00–12:00 (108 messages).',
      'SP holds 30.5% of the contact base (14,210).',
      'Active contacts per month grew 17.2%: from 41,230 in Jun 2026 to 48,320 in Oct 2026, the last complete month (Nov 2026 is counted only to 11/22).',
    ]);
    expect(buildInsights(goldenMetrics('busy-week'), i18n('pt-BR'))[0]!.text).toBe(
      'Contatos em vendas: alta de 6,5% em relação ao período anterior (de 1.391 para 1.482).',
    );
  });

  it('compares complete months, and says which month is left out and why', () => {
    const m = goldenMetrics('busy-week');
    expect(buildInsights(m, i18n('pt-BR')).at(-1)!.text).toBe(
      'Contatos ativos por mês cresceram 17,2%: de 41.230 em jun. de 2026 para 48.320 em out. de 2026, o último mês completo (nov. de 2026 só conta até 22/11).',
    );
    // A period that closes its month compares the six months as they are.
    const closed = { ...m, period: { start: '2026-11-24', end: '2026-11-30' } };
    expect(buildInsights(closed, i18n('en')).at(-1)!.text).toBe(
      'Active contacts per month fell 17.9%: from 41,230 in Jun 2026 to 33,870 in Nov 2026.',
    );
  });

  it('writes every percentage with one decimal, whole numbers included', () => {
    const en = i18n('en');
    const pt = i18n('pt-BR');
    expect([0.05, 0.099, 1, 0, 0.12345].map(pt.percent)).toEqual(['5,0%', '9,9%', '100,0%', '0,0%', '12,3%']);
    expect([0.05, -0.048, -1, 0].map(en.change)).toEqual(['+5.0%', '-4.8%', '-100.0%', '0.0%']);
  });

  it('says a KPI is new when the previous period had none, and says nothing of an empty period', () => {
    const m = goldenMetrics('busy-week');
    const fresh = {
      ...m,
      kpis: {
        contactBase: { value: 10, previous: 10 },
        reachedContacts: { value: 5, previous: 0 },
        contactsInSales: { value: 0, previous: 0 },
        contactsInSupport: { value: 0, previous: 0 },
      },
    };
    expect(buildInsights(fresh, i18n('en'))[0]!.text).toBe(
      'Reached contacts: 5 this period, against none in the previous one.',
    );
    expect(buildInsights(goldenMetrics('empty-period'), i18n('en'))).toEqual([]);
  });

  it('words the tiles with no ratio to show: new against none, no change from none or to the same', () => {
    const m = goldenMetrics('busy-week');
    const fresh = {
      ...m,
      kpis: {
        contactBase: { value: 10, previous: 10 },
        reachedContacts: { value: 5, previous: 0 },
        contactsInSales: { value: 0, previous: 0 },
        contactsInSupport: { value: 0, previous: 3 },
      },
    };
    const i = i18n('en');
    expect(kpiTiles(fresh, i).map((t) => [t.change, t.direction, t.arrow])).toEqual([
      [i.t.noChange, 'flat', '■'],
      [i.t.newSincePrevious, 'up', '▲'],
      [i.t.noChange, 'flat', '■'],
      ['-100.0%', 'down', '▼'],
    ]);
  });

  it('formats KPI tiles with their direction and change', () => {
    const tiles = kpiTiles(goldenMetrics('busy-week'), i18n('pt-BR'));
    expect(tiles.map((t) => [t.label, t.value, t.change, t.direction])).toEqual([
      ['Base de contatos', '46.641', '+1,4%', 'up'],
      ['Contatos alcançados', '11.020', '+5,2%', 'up'],
      ['Contatos em vendas', '1.482', '+6,5%', 'up'],
      ['Contatos em atendimento', '963', '-4,8%', 'down'],
    ]);
  });
});
