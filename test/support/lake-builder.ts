import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { DateTime } from 'luxon';
import { LAKE_SCHEMA } from '../../src/core/lake-schema.ts';
import type { TableName } from '../../src/core/report.types.ts';

/** A row of a lake table in a test: contract columns plus tenant, and dt when it must differ from the timestamp's. */
export type LakeRow = Record<string, string | null | undefined> & { tenant_id: string; dt?: string };
export type LakeRows = Partial<Record<TableName, LakeRow[]>>;
export type LakeFormat = 'parquet' | 'ndjson' | 'ndjson.gz';

const PARTITION_COLUMN: Record<TableName, string> = {
  contacts: '', // snapshots: dt must be given
  broadcast_events: 'occurred_at',
  services: 'opened_at',
  service_messages: 'sent_at',
};

const utcDate = (iso: string) => {
  const instant = DateTime.fromISO(iso, { setZone: true });
  if (!instant.isValid) throw new Error(`test row timestamp is not ISO-8601: ${iso}`);
  return instant.toUTC().toISODate()!;
};

function partitionOf(table: TableName, row: LakeRow): string {
  if (row.dt) return row.dt;
  const at = row[PARTITION_COLUMN[table]];
  if (!at) throw new Error(`test row of ${table} needs a dt: ${JSON.stringify(row)}`);
  return utcDate(at);
}

export function tempDir(prefix = 'cbr-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes rows in the data contract's layout; each table in the given format (one file per partition). */
export async function writeLake(
  dir: string,
  rows: LakeRows,
  format: LakeFormat | Partial<Record<TableName, LakeFormat>>,
): Promise<string> {
  const db =
    format === 'parquet' || Object.values(format).includes('parquet') ? await DuckDBInstance.create(':memory:') : null;
  const connection = db ? await db.connect() : null;
  await connection?.run(`set TimeZone = 'UTC'`);
  for (const [table, tableRows] of Object.entries(rows) as [TableName, LakeRow[]][]) {
    const tableFormat = typeof format === 'string' ? format : (format[table] ?? 'parquet');
    const groups = new Map<string, LakeRow[]>();
    for (const row of tableRows) {
      const key = `${row.tenant_id}/${partitionOf(table, row)}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    for (const [key, group] of groups) {
      const [tenant, dt] = key.split('/') as [string, string];
      const folder = path.join(dir, table, `tenant_id=${tenant}`, `dt=${dt}`);
      mkdirSync(folder, { recursive: true });
      const lines = group.map((row) => {
        const { tenant_id: _t, dt: _d, ...rest } = row;
        return typeof rest.__raw === 'string' ? rest.__raw : JSON.stringify(rest);
      });
      const text = lines.join('\n') + '\n';
      if (tableFormat === 'ndjson') writeFileSync(path.join(folder, 'part-0.ndjson'), text);
      else if (tableFormat === 'ndjson.gz') writeFileSync(path.join(folder, 'part-0.ndjson.gz'), gzipSync(text));
      else {
        const staging = path.join(folder, '_staging.ndjson');
        writeFileSync(staging, text);
        const columns = LAKE_SCHEMA[table]
          .map((c) => `'${c.name}': '${c.type === 'string' ? 'VARCHAR' : 'TIMESTAMPTZ'}'`)
          .join(', ');
        await connection!.run(
          `copy (select * from read_json('${staging}', format = 'newline_delimited', columns = {${columns}})) ` +
            `to '${path.join(folder, 'part-0.parquet')}' (format parquet)`,
        );
        rmSync(staging);
      }
    }
  }
  connection?.closeSync();
  db?.closeSync();
  return dir;
}
