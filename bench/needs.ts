/**
 * The data a report cannot do without: per lake table, the columns and the dt partitions its metrics
 * (docs/metrics.md) and its data-quality counts need. The floor scan reads exactly this, once,
 * and "bytes needed" is the size of these column chunks.
 */
import { LAKE_SCHEMA } from '../src/core/lake-schema.ts';
import type { QueryParams } from '../src/core/report-window.ts';
import type { TableRead } from './table-reads.ts';

const all = (table: keyof typeof LAKE_SCHEMA) => LAKE_SCHEMA[table].map((c) => c.name);

export function neededReads(p: QueryParams): TableRead[] {
  return [
    // contactBase (now and at the start) and contactsByState: the newest snapshot only.
    { table: 'contacts', columns: all('contacts'), from: p.snapshot_dt, to: p.snapshot_dt },
    // reach, funnel, journey, daily broadcasts, six months: every required column is checked (a row missing one is skipped).
    { table: 'broadcast_events', columns: all('broadcast_events'), from: p.first_dt, to: p.dt_to },
    // services by module, period, previous period, months and days; closed_at is in no metric.
    {
      table: 'services',
      columns: all('services').filter((c) => c !== 'closed_at'),
      from: p.first_dt,
      to: p.dt_to,
    },
    // salesHeatmap: the period only.
    { table: 'service_messages', columns: all('service_messages'), from: p.period_dt_from, to: p.dt_to },
  ];
}
