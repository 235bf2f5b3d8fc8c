/**
 * Where generated rows go: Parquet through DuckDB (appender -> temp table -> partitioned COPY) or NDJSON files.
 * Both lay rows out as <root>/<table>/tenant_id=<t>/dt=<YYYY-MM-DD>/<file>.
 */
import { appendFileSync, createReadStream, createWriteStream, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { TableName } from '../core/report.types.ts';
import { hashSeed, Rng } from './prng.ts';

/** A cell: text, an instant in epoch seconds, or null. Text in a timestamp column is an unparseable timestamp. */
export type Cell = string | number | null;

export interface Column {
  name: string;
  kind: 'text' | 'timestamp';
  /** Null is a normal value here (written as JSON null); in a required column a null means a bad row (key left out of JSON). */
  nullable: boolean;
}

const text = (name: string, nullable = false): Column => ({ name, kind: 'text', nullable });
const timestamp = (name: string, nullable = false): Column => ({ name, kind: 'timestamp', nullable });

export const COLUMNS: Readonly<Record<TableName, readonly Column[]>> = {
  contacts: [text('contact_id'), text('phone', true), timestamp('created_at'), timestamp('deleted_at', true)],
  broadcast_events: [
    text('event_id'),
    text('broadcast_id'),
    text('message_id'),
    text('contact_id'),
    text('channel'),
    text('status'),
    timestamp('occurred_at'),
  ],
  services: [
    text('service_id'),
    text('contact_id'),
    text('module'),
    text('channel'),
    timestamp('opened_at'),
    timestamp('closed_at', true),
  ],
  service_messages: [
    text('message_id'),
    text('service_id'),
    text('contact_id'),
    text('module'),
    text('direction'),
    timestamp('sent_at'),
  ],
};

/** Receives the rows of one table of one tenant. */
export interface RowSink {
  /** `redelivered` rows may land in a separate file of the same partition. */
  push(row: readonly Cell[], dt: string, redelivered: boolean): void;
  /** A line that is not a row at all (NDJSON only; Parquet has no such thing). */
  garbage(dt: string): void;
  readonly wantsFlush: boolean;
  flush(): Promise<void>;
  finish(): Promise<void>;
}

export interface LakeWriter {
  open(table: TableName, tenant: string): Promise<RowSink>;
  /** Waits for pending writes; on failure call `abort` instead. */
  close(): Promise<void>;
  abort(): Promise<void>;
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const sqlIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Rows per DuckDB temp table before it is copied out: bounds memory at any scale. */
const PARQUET_CHUNK_ROWS = 400_000;

interface Buffer {
  con: DuckDBConnection;
  name: string;
  appender: DuckDBAppender | null;
  rows: number;
  /** The COPY of this buffer still running; resolves to its error, if any. */
  pending: Promise<unknown> | null;
}

export class ParquetLakeWriter implements LakeWriter {
  private readonly sinks = new Set<ParquetSink>();
  private serial = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly root: string,
  ) {}

  static async create(root: string, spillDir: string): Promise<ParquetLakeWriter> {
    const instance = await DuckDBInstance.create(':memory:', {
      temp_directory: spillDir,
      preserve_insertion_order: 'false',
      memory_limit: '1GB',
      autoinstall_known_extensions: 'false',
    });
    return new ParquetLakeWriter(instance, root);
  }

  async open(table: TableName, tenant: string): Promise<ParquetSink> {
    const sink = new ParquetSink(this.instance, join(this.root, table), table, tenant, this.serial++);
    await sink.init();
    this.sinks.add(sink);
    return sink;
  }

  async close(): Promise<void> {
    for (const sink of this.sinks) await sink.finish();
    this.sinks.clear();
    this.instance.closeSync();
  }

  async abort(): Promise<void> {
    for (const sink of this.sinks) await sink.abort();
    this.sinks.clear();
    this.instance.closeSync();
  }
}

class ParquetSink implements RowSink {
  private readonly columns: readonly Column[];
  private readonly isTimestamp: boolean[];
  private readonly buffers: Buffer[] = [];
  private current = 0;
  private late!: Buffer;
  private chunk = 0;
  private lateChunk = 0;
  private finished = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly outDir: string,
    table: TableName,
    private readonly tenant: string,
    private readonly serial: number,
  ) {
    this.columns = COLUMNS[table];
    this.isTimestamp = this.columns.map((c) => c.kind === 'timestamp');
  }

  async init(): Promise<void> {
    // Timestamps travel as epoch seconds (DOUBLE) and become TIMESTAMPTZ in the COPY: far cheaper than appending timestamp objects.
    const columns = this.columns.map((c) => `${sqlIdent(c.name)} ${c.kind === 'timestamp' ? 'DOUBLE' : 'VARCHAR'}`);
    for (const role of ['a', 'b', 'late']) {
      const con = await this.instance.connect();
      await con.run(`set TimeZone = 'UTC'`);
      const name = `sample_${this.serial}_${role}`;
      await con.run(`create table ${name} (${columns.join(', ')}, dt VARCHAR)`);
      const buffer: Buffer = { con, name, appender: await con.createAppender(name), rows: 0, pending: null };
      if (role === 'late') this.late = buffer;
      else this.buffers.push(buffer);
    }
  }

  push(row: readonly Cell[], dt: string, redelivered: boolean): void {
    const buffer = redelivered ? this.late : this.buffers[this.current]!;
    const appender = buffer.appender!;
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (v === null || v === undefined) appender.appendNull();
      else if (this.isTimestamp[i]) {
        if (typeof v === 'number') appender.appendDouble(v);
        else appender.appendNull(); // an unparseable timestamp can only be null in Parquet
      } else appender.appendVarchar(v as string);
    }
    appender.appendVarchar(dt);
    appender.endRow();
    buffer.rows++;
  }

  garbage(): void {}

  get wantsFlush(): boolean {
    return this.buffers[this.current]!.rows >= PARQUET_CHUNK_ROWS || this.late.rows >= PARQUET_CHUNK_ROWS;
  }

  async flush(): Promise<void> {
    const buffer = this.buffers[this.current]!;
    if (buffer.rows >= PARQUET_CHUNK_ROWS) {
      // Copy this buffer out in the background while the generator fills the other one.
      buffer.appender!.closeSync();
      buffer.appender = null;
      buffer.pending = this.copyOut(buffer, `part-${this.nextChunk()}`).then(
        () => null,
        (error: unknown) => error ?? new Error('COPY failed'),
      );
      this.current = 1 - this.current;
      const next = this.buffers[this.current]!;
      await settle(next);
      next.appender ??= await next.con.createAppender(next.name);
    }
    if (this.late.rows >= PARQUET_CHUNK_ROWS) {
      this.late.appender!.closeSync();
      await this.copyOut(this.late, `redelivery-${String(this.lateChunk++).padStart(4, '0')}`);
      this.late.appender = await this.late.con.createAppender(this.late.name);
    }
  }

  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    for (const buffer of [...this.buffers, this.late]) {
      buffer.appender?.closeSync();
      buffer.appender = null;
      await settle(buffer);
      if (buffer.rows > 0) {
        const prefix = buffer === this.late ? `redelivery-${String(this.lateChunk++).padStart(4, '0')}` : `part-${this.nextChunk()}`;
        await this.copyOut(buffer, prefix);
      }
      await buffer.con.run(`drop table ${buffer.name}`);
      buffer.con.closeSync();
    }
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    for (const buffer of [...this.buffers, this.late]) {
      try {
        buffer.appender?.closeSync();
      } catch {
        // the run is failing already; the first error is the one reported
      }
      await buffer.pending;
      buffer.con.closeSync();
    }
  }

  private nextChunk(): string {
    return String(this.chunk++).padStart(4, '0');
  }

  private async copyOut(buffer: Buffer, filePrefix: string): Promise<void> {
    const select = this.columns
      .map((c) => (c.kind === 'timestamp' ? `to_timestamp(${sqlIdent(c.name)}) as ${sqlIdent(c.name)}` : sqlIdent(c.name)))
      .join(', ');
    await buffer.con.run(
      `copy (select ${select}, ${sqlString(this.tenant)} as tenant_id, dt from ${buffer.name})
       to ${sqlString(this.outDir)}
       (format parquet, partition_by (tenant_id, dt), overwrite_or_ignore, filename_pattern ${sqlString(`${filePrefix}-{i}`)})`,
    );
    await buffer.con.run(`delete from ${buffer.name}`);
    buffer.rows = 0;
  }
}

async function settle(buffer: Buffer): Promise<void> {
  const error = await buffer.pending;
  buffer.pending = null;
  if (error) throw error;
}

/** Bytes of NDJSON held per table before they are appended to their files. */
const NDJSON_BUFFER_CHARS = 32 * 1024 * 1024;

export class NdjsonLakeWriter implements LakeWriter {
  private readonly sinks = new Set<NdjsonSink>();

  constructor(
    private readonly root: string,
    private readonly gzip: boolean,
    private readonly seed: number,
  ) {}

  async open(table: TableName, tenant: string): Promise<NdjsonSink> {
    const sink = new NdjsonSink(join(this.root, table, `tenant_id=${tenant}`), table, this.gzip, new Rng(hashSeed(this.seed, tenant, table, 'ndjson')));
    this.sinks.add(sink);
    return sink;
  }

  async close(): Promise<void> {
    for (const sink of this.sinks) await sink.finish();
    this.sinks.clear();
  }

  async abort(): Promise<void> {
    this.sinks.clear();
  }
}

const FILE = 'part-0000.ndjson';

class NdjsonSink implements RowSink {
  private readonly columns: readonly Column[];
  private readonly keys: string[];
  private readonly lines = new Map<string, string[]>();
  private readonly partitions = new Set<string>();
  private chars = 0;
  private finished = false;

  constructor(
    private readonly tenantDir: string,
    table: TableName,
    private readonly gzip: boolean,
    private readonly rng: Rng,
  ) {
    this.columns = COLUMNS[table];
    this.keys = this.columns.map((c) => JSON.stringify(c.name) + ':');
  }

  push(row: readonly Cell[], dt: string): void {
    // Most instants are written in UTC (Z), some with the -03:00 offset a Brazilian producer would use.
    const offset = this.rng.chance(0.2);
    let line = '{';
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      let json: string;
      if (v === null || v === undefined) {
        if (!this.columns[i]!.nullable) continue; // a missing required column
        json = 'null';
      } else if (typeof v === 'number') json = `"${isoInstant(v, offset)}"`;
      else json = JSON.stringify(v);
      line += (line.length > 1 ? ',' : '') + this.keys[i] + json;
    }
    this.add(dt, line + '}');
  }

  garbage(dt: string): void {
    // a record cut short by a failed write: not JSON
    this.add(dt, `{${this.keys[0]}"${this.columns[0]!.name.slice(0, 1)}-0000`);
  }

  get wantsFlush(): boolean {
    return this.chars >= NDJSON_BUFFER_CHARS;
  }

  async flush(): Promise<void> {
    for (const [dt, lines] of this.lines) {
      const dir = join(this.tenantDir, `dt=${dt}`);
      if (!this.partitions.has(dt)) {
        mkdirSync(dir, { recursive: true });
        this.partitions.add(dt);
      }
      appendFileSync(join(dir, FILE), lines.join('\n') + '\n');
    }
    this.lines.clear();
    this.chars = 0;
  }

  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.flush();
    if (!this.gzip) return;
    for (const dt of [...this.partitions].sort()) {
      const plain = join(this.tenantDir, `dt=${dt}`, FILE);
      await pipeline(createReadStream(plain), createGzip(), createWriteStream(`${plain}.gz`));
      unlinkSync(plain);
    }
  }

  private add(dt: string, line: string): void {
    let lines = this.lines.get(dt);
    if (!lines) this.lines.set(dt, (lines = []));
    lines.push(line);
    this.chars += line.length + 1;
  }
}

/** ISO-8601 at whole seconds, in UTC (`Z`) or at -03:00; the same instant either way. */
function isoInstant(epochSeconds: number, offset: boolean): string {
  if (!offset) return new Date(epochSeconds * 1000).toISOString().slice(0, 19) + 'Z';
  return new Date((epochSeconds - 3 * 3600) * 1000).toISOString().slice(0, 19) + '-03:00';
}
