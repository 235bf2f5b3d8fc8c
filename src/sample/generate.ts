/**
 * Generates a sample interaction lake (spec/data-contract.md) whose rows exercise every edge case of spec/metrics.md.
 * Deterministic: the same seed and options give the same rows in either format.
 */
import { mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { TABLES, type TableName } from '../core/report.types.ts';
import { type LakeWriter, NdjsonLakeWriter, ParquetLakeWriter } from './lake-writers.ts';
import { addDays, LocalCalendar } from './local-calendar.ts';
import {
  generateBroadcastEvents,
  generateContacts,
  generateServices,
  NOISE_TENANTS,
  tableWriter,
  type TenantPlan,
  tenantProfile,
  type Writers,
} from './tenant-data.ts';

export interface SampleLakeOptions {
  /** Lake root to create; it must not exist or be empty. */
  dir: string;
  /** Default 42; the same seed and options give the same rows (Parquet file bytes may differ). */
  seed?: number;
  /** 1 => per main tenant ~1M contacts, ~20M broadcast events, ~2M services, ~10M service messages. Default 0.01. */
  scale?: number;
  /** Last UTC date with data, YYYY-MM-DD; default yesterday (UTC). */
  end?: string;
  /** Months of history ending at `end`; default 7. */
  months?: number;
  format?: 'parquet' | 'ndjson';
  /** NDJSON only: write .ndjson.gz. */
  gzip?: boolean;
  /** Main tenants, default acme, globex, initech; noise-a and noise-b (~5% size) are always added. */
  tenants?: string[];
  onProgress?: (message: string) => void;
}

export type SampleLakeRows = Record<TableName, number>;

export interface SampleLake {
  dir: string;
  rows: SampleLakeRows;
}

/** Local time of the business the sample simulates (service hours, campaign hours). */
const SAMPLE_TIMEZONE = 'America/Sao_Paulo';
const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export class SampleLakeError extends Error {
  override name = 'SampleLakeError';
}

interface ResolvedOptions {
  target: string;
  seed: number;
  scale: number;
  endDate: string;
  startDate: string;
  format: 'parquet' | 'ndjson';
  gzip: boolean;
  tenants: { name: string; main: boolean }[];
  progress: (message: string) => void;
}

function resolveOptions(opts: SampleLakeOptions): ResolvedOptions {
  const seed = opts.seed ?? 42;
  const scale = opts.scale ?? 0.01;
  const months = opts.months ?? 7;
  const format = opts.format ?? 'parquet';
  const endDate = opts.end ?? addDays(new Date().toISOString().slice(0, 10), -1);
  const main = opts.tenants ?? ['acme', 'globex', 'initech'];

  if (!opts.dir) throw new SampleLakeError('dir is required');
  if (!Number.isInteger(seed)) throw new SampleLakeError(`seed must be an integer, got ${seed}`);
  if (!(scale > 0 && scale <= 10)) throw new SampleLakeError(`scale must be in (0, 10], got ${scale}`);
  if (!Number.isInteger(months) || months < 1 || months > 36)
    throw new SampleLakeError(`months must be an integer in 1..36, got ${months}`);
  if (format !== 'parquet' && format !== 'ndjson')
    throw new SampleLakeError(`format must be parquet or ndjson, got ${String(format)}`);
  if (opts.gzip && format !== 'ndjson') throw new SampleLakeError('gzip applies to the ndjson format only');
  const end = DateTime.fromISO(endDate, { zone: 'utc' });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(endDate) || !end.isValid)
    throw new SampleLakeError(`end must be a date YYYY-MM-DD, got ${endDate}`);
  if (main.length === 0) throw new SampleLakeError('tenants must not be empty');
  for (const t of main) {
    if (!TENANT_ID.test(t))
      throw new SampleLakeError(`invalid tenant id ${JSON.stringify(t)}: must match ${TENANT_ID}`);
  }
  if (new Set(main).size !== main.length) throw new SampleLakeError('tenants must be distinct');

  const tenants = main.map((name) => ({ name, main: true }));
  for (const name of NOISE_TENANTS) if (!main.includes(name)) tenants.push({ name, main: false });
  return {
    target: resolve(opts.dir),
    seed,
    scale,
    endDate,
    startDate: end.minus({ months }).plus({ days: 1 }).toISODate()!,
    format,
    gzip: opts.gzip ?? false,
    tenants,
    progress: opts.onProgress ?? (() => {}),
  };
}

async function assertEmptyOrMissing(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length > 0)
    throw new SampleLakeError(`refusing to write the sample lake into ${dir}: it exists and is not empty`);
}

/**
 * Writes the lake into a temporary sibling of `dir` and renames it into place at the end,
 * so a failed run leaves nothing behind.
 */
export async function generateSampleLake(opts: SampleLakeOptions): Promise<SampleLake> {
  const o = resolveOptions(opts);
  await assertEmptyOrMissing(o.target);
  await mkdir(dirname(o.target), { recursive: true });
  const work = await mkdtemp(join(dirname(o.target), `.${basename(o.target)}.partial-`));
  const spillDir = join(work, '.duckdb-spill');
  let writer: LakeWriter | undefined;
  let finishing: Promise<unknown> = Promise.resolve();
  try {
    for (const table of TABLES) await mkdir(join(work, table));
    writer =
      o.format === 'parquet'
        ? await ParquetLakeWriter.create(work, spillDir)
        : new NdjsonLakeWriter(work, o.gzip, o.seed);
    // Local days cover the history plus the weeks a late service or message may be pushed into.
    const calendar = new LocalCalendar(SAMPLE_TIMEZONE, addDays(o.startDate, -2), addDays(o.endDate, 40));

    const rows: SampleLakeRows = { contacts: 0, broadcast_events: 0, services: 0, service_messages: 0 };
    for (const [i, { name, main }] of o.tenants.entries()) {
      const plan: TenantPlan = {
        tenant: name,
        main,
        profile: tenantProfile(name, o.seed),
        seed: o.seed,
        scale: o.scale,
        startDate: o.startDate,
        endDate: o.endDate,
        calendar,
      };
      const of = `${name} ${i + 1}/${o.tenants.length}`;
      const out = {} as Writers;
      for (const table of TABLES) out[table] = tableWriter(table, await writer.open(table, name), plan);

      o.progress(`contacts ${of}`);
      const contacts = await generateContacts(plan, out.contacts);
      o.progress(`broadcast_events ${of}`);
      const attributions = await generateBroadcastEvents(plan, contacts, out.broadcast_events);
      o.progress(`services ${of}`);
      await generateServices(plan, contacts, attributions, out.services, out.service_messages);
      for (const table of TABLES) rows[table] += out[table].rows;
      // Write this tenant's last files while the next tenant is generated.
      await finishing;
      finishing = (async () => {
        for (const table of TABLES) await out[table].finish();
      })();
      finishing.catch(() => {}); // awaited below; this only keeps Node from reporting it as unhandled meanwhile
    }
    o.progress('writing the last files');
    await finishing;
    await writer.close();
    writer = undefined;
    await rm(spillDir, { recursive: true, force: true });

    await assertEmptyOrMissing(o.target);
    await rmdir(o.target).catch(() => {});
    await rename(work, o.target);
    o.progress(`done: ${o.target}`);
    return { dir: o.target, rows };
  } catch (error) {
    await finishing.catch(() => {});
    await writer?.abort().catch(() => {});
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}
