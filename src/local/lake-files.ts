import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LakeError } from '../core/errors.ts';
import { TABLES, type TableName } from '../core/report.types.ts';

export type FileFormat = 'parquet' | 'ndjson';

export interface TenantFiles {
  /** Per table, per format, the files of every dt partition of the tenant. */
  tables: Record<TableName, Record<FileFormat, string[]>>;
  /** Per table, the dt partitions found, ascending. */
  partitions: Record<TableName, string[]>;
}

const DT_DIR = /^dt=(\d{4}-\d{2}-\d{2})$/;

export function formatOf(file: string): FileFormat | 'ignored' | 'unknown' {
  const name = path.basename(file);
  if (name.startsWith('.') || name.startsWith('_')) return 'ignored'; // .crc, _SUCCESS and other writer markers
  if (name.endsWith('.parquet')) return 'parquet';
  if (/\.(nd)?json(\.gz)?$/.test(name)) return 'ndjson';
  return 'unknown';
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new LakeError(`cannot read lake folder ${dir}: ${(error as Error).message}`);
  }
}

export async function assertLakeDir(lakeDir: string): Promise<void> {
  let info;
  try {
    info = await stat(lakeDir);
  } catch {
    throw new LakeError(`lake folder not found: ${lakeDir}`);
  }
  if (!info.isDirectory()) throw new LakeError(`lake path is not a folder: ${lakeDir}`);
}

/** Tenants that have data in any table of the lake. */
export async function listTenants(lakeDir: string): Promise<string[]> {
  const tenants = new Set<string>();
  for (const table of TABLES) {
    for (const entry of await listDir(path.join(lakeDir, table))) {
      const match = /^tenant_id=(.+)$/.exec(entry);
      if (match?.[1]) tenants.add(match[1]);
    }
  }
  return [...tenants].sort();
}

/** Every data file of one tenant, by table and format; rejects an unknown tenant or a stray file. */
export async function discoverTenantFiles(lakeDir: string, tenantId: string): Promise<TenantFiles> {
  await assertLakeDir(lakeDir);
  const tables = {} as TenantFiles['tables'];
  const partitions = {} as TenantFiles['partitions'];
  let found = false;
  for (const table of TABLES) {
    const tenantDir = path.join(lakeDir, table, `tenant_id=${tenantId}`);
    const files: Record<FileFormat, string[]> = { parquet: [], ndjson: [] };
    const dts: string[] = [];
    for (const dtDir of await listDir(tenantDir)) {
      const dt = DT_DIR.exec(dtDir)?.[1];
      if (!dt) continue;
      found = true;
      let dataFiles = 0;
      for (const name of await listDir(path.join(tenantDir, dtDir))) {
        const file = path.join(tenantDir, dtDir, name);
        const format = formatOf(file);
        if (format === 'unknown') {
          throw new LakeError(
            `unsupported file in the lake: ${file} (expected .parquet, .json, .ndjson, .json.gz or .ndjson.gz)`,
          );
        }
        if (format !== 'ignored') {
          files[format].push(file);
          dataFiles++;
        }
      }
      // A partition still landing (only markers, no data file yet) is not a snapshot to report from.
      if (dataFiles) dts.push(dt);
    }
    tables[table] = files;
    partitions[table] = dts;
  }
  // Other tenants' ids are not named here: this message can reach a tenant through the API.
  if (!found) throw new LakeError(`unknown tenant "${tenantId}": the lake at ${lakeDir} holds no data for it`);
  return { tables, partitions };
}
