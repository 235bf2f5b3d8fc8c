import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES, type TableName } from '../src/core/report.types.ts';
import { generateSampleLake, type SampleLakeOptions } from '../src/sample/generate.ts';
import { COLUMNS, isNullable } from '../src/sample/lake-writers.ts';
import { ALL_DDDS } from '../src/sample/phones.ts';

const END = '2026-03-10';
const MAIN = ['acme', 'globex', 'initech'];
const ALL_TENANTS = [...MAIN, 'noise-a', 'noise-b'];
const KNOWN_STATUSES = ['SENT', 'DELIVERED', 'NOT_DELIVERED', 'REJECTED', 'READ', 'CLICKED', 'REPLIED'];

let root: string;
let db: DuckDBInstance;
let con: DuckDBConnection;
/** Scale 0.001, default tenants and months, in both formats: the lakes most assertions look at. */
let parquetLake: string;
let ndjsonLake: string;
/** A small lake (one main tenant, 2 months) for determinism, generated with these options. */
const small = (dir: string, extra: Partial<SampleLakeOptions> = {}): SampleLakeOptions => ({
  dir: join(root, dir),
  scale: 0.0002,
  end: END,
  months: 1,
  tenants: ['acme'],
  ...extra,
});

let smallLake: Promise<string> | undefined;
/** The small lake with default seed, generated once for the tests that compare with it. */
const smallParquet = () => (smallLake ??= generateSampleLake(small('small')).then((r) => r.dir));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sample-lake-test-'));
  const lake = { scale: 0.001, end: END, months: 1 } as const;
  parquetLake = (await generateSampleLake({ ...lake, dir: join(root, 'parquet') })).dir;
  ndjsonLake = (await generateSampleLake({ ...lake, dir: join(root, 'ndjson'), format: 'ndjson' })).dir;
  db = await DuckDBInstance.create(':memory:');
  con = await db.connect();
  await con.run(`set TimeZone = 'UTC'`);
  // read each table once: the assertions query these
  for (const table of TABLES) {
    await con.run(`create table pq_${table} as from ${source(parquetLake, table)}`);
    await con.run(`create table nd_${table} as from ${source(ndjsonLake, table)}`);
  }
}, 60_000);

afterAll(() => {
  con?.closeSync();
  db?.closeSync();
  if (root) rmSync(root, { recursive: true, force: true });
});

const HIVE = `hive_partitioning = true, hive_types = {'tenant_id': VARCHAR, 'dt': VARCHAR}`;

/** Rows of a table with timestamps as TIMESTAMPTZ, whatever the format; NDJSON lines that are not rows are left out. */
function source(lake: string, table: TableName): string {
  const columns = COLUMNS[table];
  const names = columns.map((c) => c.name);
  if (existsSync(join(lake, table)) && listFiles(join(lake, table)).some((f) => f.endsWith('.parquet'))) {
    return `(select tenant_id, dt, ${names.join(', ')} from read_parquet('${lake}/${table}/*/*/*.parquet', ${HIVE}))`;
  }
  const spec = columns.map((c) => `${c.name}: 'VARCHAR'`).join(', ');
  const select = columns.map((c) =>
    c.kind === 'timestamp' ? `try_cast(${c.name} as timestamptz) as ${c.name}` : c.name,
  );
  return `(select tenant_id, dt, ${select.join(', ')}
           from read_json('${lake}/${table}/*/*/*.ndjson*', format = 'newline_delimited', ignore_errors = true, ${HIVE}, columns = {${spec}})
           where coalesce(${names.join(', ')}) is not null)`;
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

async function scalar(sql: string): Promise<number> {
  const value = Object.values((await rows(sql))[0]!)[0];
  return Number(value);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Rows in one lake and not in the other (as multisets), both ways. */
async function difference(a: string, b: string, table: TableName): Promise<number> {
  const sa = source(a, table);
  const sb = source(b, table);
  return scalar(
    `select (select count(*) from (from ${sa} except all from ${sb})) + (select count(*) from (from ${sb} except all from ${sa}))`,
  );
}

/** The UF rule of spec/metrics.md, reduced to what the test needs: the DDD, FOREIGN or UNKNOWN. */
function areaCode(phone: string | null): string {
  if (phone === null) return 'UNKNOWN';
  const p = phone.replace(/[\s\-().]/g, '');
  let national: string | undefined;
  if (/^\+55\d{10,11}$/.test(p)) national = p.slice(3);
  else if (/^\+\d/.test(p)) return 'FOREIGN';
  else if (/^55\d{10,11}$/.test(p)) national = p.slice(2);
  else if (/^\d{10,11}$/.test(p)) national = p;
  const ddd = national ? Number(national.slice(0, 2)) : NaN;
  return ALL_DDDS.includes(ddd) ? String(ddd) : 'UNKNOWN';
}

describe('generateSampleLake', () => {
  it('lays files out as <table>/tenant_id=<t>/dt=<YYYY-MM-DD>/<file> and nothing else', () => {
    for (const [lake, file] of [
      [parquetLake, /^(part|redelivery)-\d{4}-\d+\.parquet$/],
      [ndjsonLake, /^part-0000\.ndjson$/],
    ] as const) {
      expect(readdirSync(lake).sort()).toEqual([...TABLES].sort());
      const files = listFiles(lake);
      const tenants = new Set<string>();
      for (const f of files) {
        const m = /^(\w+)\/tenant_id=([a-z0-9][a-z0-9_-]*)\/dt=(\d{4}-\d{2}-\d{2})\/(.+)$/.exec(f);
        expect(m, f).not.toBeNull();
        expect(TABLES).toContain(m![1]);
        expect(m![4]).toMatch(file);
        tenants.add(m![2]!);
      }
      expect([...tenants].sort()).toEqual([...ALL_TENANTS].sort());
    }
  });

  it('writes Parquet timestamps adjusted to UTC, without the partition columns', async () => {
    const file = listFiles(join(parquetLake, 'broadcast_events')).find((f) => f.startsWith('tenant_id=acme/'))!;
    const schema = await rows(
      `select name, logical_type::varchar logical_type from parquet_schema('${join(parquetLake, 'broadcast_events', file)}')`,
    );
    expect(schema.map((c) => c.name).slice(1)).toEqual(COLUMNS.broadcast_events.map((c) => c.name));
    expect(schema.find((c) => c.name === 'occurred_at')!.logical_type).toMatch(/isAdjustedToUTC=1/);
  });

  it('puts every row in the partition of the UTC date of its timestamp', async () => {
    const partitionTimestamp = {
      broadcast_events: 'occurred_at',
      services: 'opened_at',
      service_messages: 'sent_at',
    } as const;
    for (const lake of ['pq', 'nd']) {
      for (const [table, ts] of Object.entries(partitionTimestamp) as [TableName, string][]) {
        const checked = await scalar(`select count(${ts}) from ${lake}_${table}`);
        const wrong = await scalar(`select count(*) from ${lake}_${table} where dt <> strftime(${ts}, '%Y-%m-%d')`);
        expect(checked).toBeGreaterThan(100);
        expect(wrong, `${lake} ${table}`).toBe(0);
      }
    }
    // contacts: two snapshots per tenant, the newest at `end` and larger
    const snapshots = await rows(`select tenant_id, dt, count(*)::int n from pq_contacts group by all order by 1, 2`);
    for (const tenant of ALL_TENANTS) {
      const mine = snapshots.filter((r) => r.tenant_id === tenant);
      expect(mine.map((r) => r.dt)).toEqual(['2026-03-03', END]);
      expect(mine[1]!.n as number).toBeGreaterThanOrEqual(mine[0]!.n as number);
      if (MAIN.includes(tenant)) expect(mine[1]!.n as number).toBeGreaterThan(mine[0]!.n as number);
    }
  });

  it('writes the same rows in Parquet and NDJSON', async () => {
    for (const table of TABLES) {
      const both = `(select count(*) from (from pq_${table} except all from nd_${table})) + (select count(*) from (from nd_${table} except all from pq_${table}))`;
      expect(await scalar(`select ${both}`), table).toBe(0);
    }
  });

  it('gives the same rows for the same seed and different rows for another seed', async () => {
    const a = await smallParquet();
    const b = (await generateSampleLake(small('det-b'))).dir;
    const c = (await generateSampleLake(small('det-c', { seed: 7 }))).dir;
    for (const table of TABLES) {
      expect(await scalar(`select count(*) from ${source(a, table)}`)).toBeGreaterThan(10);
      expect(await difference(a, b, table), table).toBe(0);
      expect(await difference(a, c, table), table).toBeGreaterThan(0);
    }
  }, 30_000);

  it('writes gzip-compressed NDJSON that holds the same rows', async () => {
    const plain = await smallParquet();
    const gz = (await generateSampleLake(small('gz', { format: 'ndjson', gzip: true }))).dir;
    const files = listFiles(gz);
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.endsWith('/part-0000.ndjson.gz'))).toBe(true);
    for (const table of TABLES) expect(await difference(plain, gz, table), table).toBe(0);
  }, 30_000);

  it('covers all 67 area codes and the messy phone forms real data has', async () => {
    const phones = (await rows(`select phone from pq_contacts where tenant_id in ('acme', 'globex', 'initech')`)).map(
      (r) => r.phone as string | null,
    );
    const acme = (await rows(`select phone from pq_contacts where tenant_id = 'acme' and dt = '${END}'`)).map(
      (r) => r.phone as string | null,
    );
    expect(new Set(acme.map(areaCode).filter((c) => /^\d+$/.test(c))).size).toBe(67);

    const codes = phones.map(areaCode);
    const valid = codes.filter((c) => /^\d+$/.test(c)).length / codes.length;
    expect(valid).toBeGreaterThan(0.78);
    expect(valid).toBeLessThan(0.92);
    expect(codes).toContain('FOREIGN');
    expect(codes).toContain('UNKNOWN');
    const forms: Record<string, RegExp> = {
      e164: /^\+55\d{10,11}$/,
      spacedWithParens: /^\+55 \(\d\d\) \d{4,5}-\d{4}$/,
      digitsWithCountry: /^55\d{10,11}$/,
      national: /^\(\d\d\) \d{4,5}-\d{4}$/,
      dotted: /^\d\d \d{4,5}\.\d{4}$/,
      trunkZero: /^0\d{11}$/,
      usa: /^\+1 \d{3} \d{3} \d{4}$/,
      portugal: /^\+351 /,
      invalidDdd: /^\+55 ?(10|20|23|25|26|29|30|36|39|40|50|52|56|57|58|59|60|70|72|76|78|80|90)/,
      letters: /[A-Za-z]/,
      tooLong: /^\+55\d{12,}$/,
    };
    for (const [form, re] of Object.entries(forms))
      expect(
        phones.some((p) => p !== null && re.test(p)),
        form,
      ).toBe(true);
    expect(phones).toContain('');
    expect(phones).toContain(null);
    expect(await scalar(`select count(*) from pq_contacts where deleted_at is not null`)).toBeGreaterThan(0);
  });

  it('has duplicated, lost, REJECTED and unknown-status broadcast events, and contacts outside the base', async () => {
    const events = 'pq_broadcast_events';
    // duplicates: the same event again, both in the same file and in another file of the partition
    const dups = await rows(`
      select count(*) filter (where n_files = 1)::int same_file, count(*) filter (where n_files > 1)::int other_file
      from (select event_id, count(distinct filename) n_files
            from read_parquet('${parquetLake}/broadcast_events/*/*/*.parquet', filename = true)
            where event_id is not null group by event_id having count(*) > 1)`);
    expect(dups[0]!.same_file as number).toBeGreaterThan(0);
    expect(dups[0]!.other_file as number).toBeGreaterThan(0);
    // lost: a message read without its DELIVERED event
    expect(
      await scalar(`select count(*) from (select message_id from ${events} group by message_id
                    having bool_or(status = 'READ') and not bool_or(status = 'DELIVERED'))`),
    ).toBeGreaterThan(0);
    // REJECTED messages have no other event (ids are unique within a tenant only)
    expect(await scalar(`select count(*) from ${events} where status = 'REJECTED'`)).toBeGreaterThan(0);
    expect(
      await scalar(
        `select count(*) from ${events} where (tenant_id, message_id) in (select (tenant_id, message_id) from ${events} where status = 'REJECTED') and status <> 'REJECTED'`,
      ),
    ).toBe(0);
    const unknown = await scalar(
      `select count(*) from ${events} where status not in (${KNOWN_STATUSES.map((s) => `'${s}'`).join(', ')})`,
    );
    expect(unknown).toBeGreaterThan(0);
    expect(unknown / (await scalar(`select count(*) from ${events}`))).toBeLessThan(0.01);
    expect(
      await scalar(`select count(*) from ${events} e where e.tenant_id = 'acme'
                    and e.contact_id not in (select contact_id from pq_contacts where tenant_id = 'acme' and contact_id is not null)`),
    ).toBeGreaterThan(0);
    // events around local midnight, where the local and the UTC date differ
    expect(
      await scalar(
        `select count(*) from ${events} where hour(occurred_at at time zone 'America/Sao_Paulo') in (23, 0)`,
      ),
    ).toBeGreaterThan(0);
  });

  it('re-delivers services (identical, or updated on close) within the partition of opened_at', async () => {
    const services = 'pq_services';
    const twice = await rows(`
      select count(*) filter (where closed_values = 1)::int identical, count(*) filter (where closed_values = 2)::int updated
      from (select service_id, count(distinct coalesce(closed_at::varchar, 'open')) closed_values
            from ${services} where service_id is not null group by service_id having count(*) > 1)`);
    expect(twice[0]!.identical as number).toBeGreaterThan(0);
    expect(twice[0]!.updated as number).toBeGreaterThan(0);
    const modules = await rows(`select module, count(*)::int n from ${services} group by all`);
    const count = (m: string) => (modules.find((r) => r.module === m)?.n as number | undefined) ?? 0;
    expect(count('SALES')).toBeGreaterThan(count('SUPPORT') * 0.6);
    expect(count('SUPPORT')).toBeGreaterThan(0);
    expect(await scalar(`select count(*) from ${services} where closed_at is null`)).toBeGreaterThan(0);
    expect(
      await scalar(`select count(*) from (select message_id from pq_service_messages group by 1 having count(*) > 1)`),
    ).toBeGreaterThan(0);
  });

  it('leaves bad rows for every table of every main tenant: null required columns, bad timestamps, non-JSON lines', async () => {
    for (const table of TABLES) {
      const columns = COLUMNS[table];
      const required = columns.filter((c) => !isNullable(c)).map((c) => `${c.name} is null`);
      const bad = await rows(
        `select tenant_id, count(*)::int n from pq_${table} where ${required.join(' or ')} group by 1`,
      );
      for (const tenant of MAIN)
        expect(bad.find((r) => r.tenant_id === tenant)?.n ?? 0, `${table} ${tenant}`).toBeGreaterThan(0);

      const timestamps = columns.filter((c) => c.kind === 'timestamp').map((c) => c.name);
      for (const tenant of MAIN) {
        let notJson = 0;
        let unparseable = 0;
        const seen = { Z: 0, offset: 0 };
        const dir = join(ndjsonLake, table, `tenant_id=${tenant}`);
        for (const file of listFiles(dir)) {
          for (const line of readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean)) {
            let row: Record<string, unknown>;
            try {
              row = JSON.parse(line) as Record<string, unknown>;
            } catch {
              notJson++;
              continue;
            }
            for (const name of timestamps) {
              const v = row[name];
              if (typeof v !== 'string') continue;
              if (Number.isNaN(Date.parse(v)) || !/^\d{4}-\d\d-\d\dT/.test(v)) unparseable++;
              else if (v.endsWith('Z')) seen.Z++;
              else if (v.endsWith('-03:00')) seen.offset++;
            }
          }
        }
        expect(notJson, `${table} ${tenant}`).toBeGreaterThanOrEqual(1);
        expect(unparseable, `${table} ${tenant}`).toBeGreaterThanOrEqual(1);
        expect(seen.Z).toBeGreaterThan(seen.offset);
        expect(seen.offset).toBeGreaterThan(0);
      }
    }
  });

  it('refuses a target directory that exists and is not empty, and leaves it alone', async () => {
    const dir = join(root, 'occupied');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    await expect(generateSampleLake(small('occupied'))).rejects.toThrow(/not empty/);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('accepts an existing empty directory', async () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    await generateSampleLake(small('empty', { tenants: ['solo'] }));
    expect(readdirSync(dir).sort()).toEqual([...TABLES].sort());
  });

  it('leaves nothing behind when a run fails half-way', async () => {
    const parent = mkdtempSync(join(root, 'failing-'));
    const failing = generateSampleLake({
      ...small('x'),
      dir: join(parent, 'lake'),
      tenants: ['acme', 'globex'],
      onProgress: (m) => {
        if (m.startsWith('services globex')) throw new Error('boom');
      },
    });
    await expect(failing).rejects.toThrow('boom');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('rejects invalid options before writing anything', async () => {
    await expect(generateSampleLake(small('bad-tenant', { tenants: ['Bad Tenant'] }))).rejects.toThrow(
      /invalid tenant id/,
    );
    await expect(generateSampleLake(small('bad-end', { end: '2026-02-30' }))).rejects.toThrow(/end must be/);
    await expect(generateSampleLake(small('bad-gzip', { gzip: true }))).rejects.toThrow(/gzip/);
    expect(existsSync(join(root, 'bad-tenant'))).toBe(false);
  });
});
