import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../src/core/build-report.ts';
import { QueryError } from '../src/core/errors.ts';
import type { QueryEngine, QueryResult, Row } from '../src/core/query-engine.port.ts';
import { parseReportRequest } from '../src/core/report-request.ts';
import { DuckDbEngine } from '../src/local/duckdb-engine.ts';
import { removeDir, tempDir, writeLake } from './support/lake-builder.ts';
import { contact, event, message, service } from './support/rows.ts';

const T = 'acme';
const request = parseReportRequest({ tenantId: T, start: '2026-11-16', end: '2026-11-22' });

/** The real DuckDB engine, with one query's result changed the way a edited .sql file would change it. */
function editedEngine(engine: QueryEngine, query: string, edit: (rows: Row[]) => Row[]): QueryEngine {
  return {
    kind: engine.kind,
    newestSnapshot: () => engine.newestSnapshot(),
    close: () => engine.close(),
    async run(q, values): Promise<QueryResult> {
      const result = await engine.run(q, values);
      return q.name === query ? { ...result, rows: edit(result.rows) } : result;
    },
  };
}

const renamed = (from: string, to: string) => (rows: Row[]) =>
  rows.map(({ [from]: value, ...rest }) => ({ ...rest, [to]: value ?? null }));

describe('query results are read by their declared row shape', () => {
  let dir = '';
  let engine: DuckDbEngine;

  beforeAll(async () => {
    dir = tempDir('cbr-query-rows-');
    await writeLake(
      dir,
      {
        contacts: [contact(T, '2026-11-23', 'k1', '+5511987654321', '2020-01-01T00:00:00Z')],
        broadcast_events: [event(T, 'c-a', 'DELIVERED', '2026-11-17T12:00:00Z')],
        services: [service(T, 'c-a', 'SALES', '2026-11-17T13:00:00Z')],
        service_messages: [message(T, 's', 'SALES', 'IN', '2026-11-17T13:10:00Z')],
      },
      'parquet',
    );
    engine = await DuckDbEngine.open({ lakeDir: dir, threads: 1 }, T);
  });

  afterAll(async () => {
    await engine?.close();
    if (dir) removeDir(dir);
  });

  it('the unedited queries give the numbers of the lake', async () => {
    const m = await buildReport(request, engine);
    expect(m.kpis.reachedContacts.value).toBe(1);
    expect(m.kpis.contactBase.value).toBe(1);
    expect(m.salesHeatmap.reduce((s, c) => s + c.messages, 0)).toBe(1);
  });

  it.each([
    ['contact_activity', 'reached_contacts'],
    ['contact_base', 'value'],
    ['sales_heatmap', 'messages'],
  ])('a renamed column of %s (%s) is an error naming the query and the column', async (query, column) => {
    const edited = editedEngine(engine, query, renamed(column, `${column}_renamed`));
    const failure = buildReport(request, edited);
    await expect(failure).rejects.toThrow(QueryError);
    await expect(failure).rejects.toThrow(`query ${query}: column "${column}"`);
  });

  it('a count that is not a whole number is an error naming the query and the column', async () => {
    const edited = editedEngine(engine, 'sales_heatmap', (rows) => rows.map((r) => ({ ...r, messages: 'many' })));
    await expect(buildReport(request, edited)).rejects.toThrow('query sales_heatmap: column "messages"');
  });
});
