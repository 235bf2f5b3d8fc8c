/** The benchmark's sample lake: generated once per scale and format, cached, and described column by column. */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { TABLES, type TableName } from '../src/core/report.types.ts';
import { discoverTenantFiles, type TenantFiles } from '../src/local/lake-files.ts';
import { generateSampleLake, type SampleLakeOptions } from '../src/sample/generate.ts';
import { sqlString } from '../src/core/sql-catalog.ts';

export const BENCH_TENANT = 'acme';
/** Fixed, so the lake (and every figure measured on it) is reproducible. */
export const BENCH_END = '2026-11-22';
export const BENCH_MONTHS = 7;
export const BENCH_SEED = 42;

export interface BenchLake {
  dir: string;
  /** How it was generated: a cached lake is reused only when this matches. */
  options: Omit<SampleLakeOptions, 'dir' | 'onProgress'>;
  rows?: Record<TableName, number>;
  generatedSeconds?: number;
}

export function lakeOptions(scale: number, format: 'parquet' | 'ndjson'): BenchLake['options'] {
  return { scale, format, tenants: [BENCH_TENANT], seed: BENCH_SEED, end: BENCH_END, months: BENCH_MONTHS };
}

/** The cached lake for these options; generates it when missing (unless `skipGenerate`). */
export async function ensureLake(
  cacheRoot: string,
  options: BenchLake['options'],
  { skipGenerate, log }: { skipGenerate: boolean; log: (m: string) => void },
): Promise<BenchLake> {
  const name = `scale-${options.scale}${options.format === 'ndjson' ? '-ndjson' : ''}`;
  const root = path.join(cacheRoot, name);
  const dir = path.join(root, 'lake');
  const manifestFile = path.join(root, 'lake.json');
  if (existsSync(dir)) {
    const manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as BenchLake) : null;
    if (manifest && JSON.stringify(manifest.options) !== JSON.stringify(options)) {
      throw new Error(`the cached lake ${dir} was generated with other options; delete ${root} to regenerate it`);
    }
    return manifest ?? { dir, options };
  }
  if (skipGenerate) throw new Error(`no cached lake at ${dir} and --skip-generate was given`);
  await mkdir(root, { recursive: true });
  log(`generating the sample lake (scale ${options.scale}, ${options.format}) into ${dir}`);
  const started = performance.now();
  const result = await generateSampleLake({ ...options, dir, onProgress: (m) => log(`  ${m}`) });
  const lake: BenchLake = {
    dir,
    options,
    rows: result.rows,
    generatedSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  writeFileSync(manifestFile, JSON.stringify(lake, null, 2) + '\n');
  return lake;
}

/** Compressed bytes of each column chunk of the tenant's Parquet files, by table, dt and column. */
export type ColumnBytes = Record<TableName, Map<string, Map<string, number>>>;

/** NDJSON has no columns: a scan reads whole files, counted under this name. */
export const WHOLE_FILE = '*';

export async function columnBytes(files: TenantFiles): Promise<ColumnBytes> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const result = {} as ColumnBytes;
  try {
    for (const table of TABLES) {
      const byDt = new Map<string, Map<string, number>>();
      result[table] = byDt;
      for (const file of files.tables[table].ndjson) {
        const dt = /dt=(\d{4}-\d{2}-\d{2})/.exec(file)?.[1];
        if (!dt) continue;
        const cols = byDt.get(dt) ?? new Map<string, number>();
        byDt.set(dt, cols);
        cols.set(WHOLE_FILE, (cols.get(WHOLE_FILE) ?? 0) + statSync(file).size);
      }
      const list = files.tables[table].parquet;
      if (!list.length) continue;
      const sql = `select file_name, path_in_schema as col, sum(total_compressed_size) as bytes
        from parquet_metadata([${list.map(sqlString).join(', ')}])
        group by all`;
      for (const row of (await connection.runAndReadAll(sql)).getRowObjectsJS()) {
        const dt = /dt=(\d{4}-\d{2}-\d{2})/.exec(String(row.file_name))?.[1];
        if (!dt) continue;
        const cols = byDt.get(dt) ?? new Map<string, number>();
        byDt.set(dt, cols);
        const col = String(row.col);
        cols.set(col, (cols.get(col) ?? 0) + Number(row.bytes));
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return result;
}

/** Bytes of `columns` of `table` in the partitions from..to (inclusive). */
export function bytesOf(bytes: ColumnBytes, table: TableName, columns: readonly string[], from: string, to: string) {
  let total = 0;
  for (const [dt, cols] of bytes[table]) {
    if (dt < from || dt > to) continue;
    total += cols.get(WHOLE_FILE) ?? 0;
    for (const c of columns) total += cols.get(c) ?? 0;
  }
  return total;
}

export { discoverTenantFiles };
