/**
 * Where generated rows go: Parquet through DuckDB (appender -> temp table -> partitioned COPY) or NDJSON files.
 * Both lay rows out as <root>/<table>/tenant_id=<t>/dt=<YYYY-MM-DD>/<file>.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBType,
  type DuckDBVector,
  DOUBLE,
  INTEGER,
  UTINYINT,
  VARCHAR,
} from '@duckdb/node-api';
import type { TableName } from '../core/report.types.ts';
import { hashSeed, Rng } from './prng.ts';
import { sqlString } from '../core/sql-catalog.ts';

/**
 * A cell. Ids travel as numbers and are spelled by their column (`c-000123`); a timestamp is epoch seconds,
 * or text that is not a timestamp at all (an unparseable value: null in Parquet, written as is in NDJSON).
 */
export type Cell = string | number | null;

export type Column =
  | { name: string; kind: 'id'; prefix: string; width: number }
  /** Few distinct values (status, channel, ...). */
  | { name: string; kind: 'category' }
  | { name: string; kind: 'text'; nullable: true }
  | { name: string; kind: 'timestamp'; nullable: boolean };

const id = (name: string, prefix: string, width: number): Column => ({ name, kind: 'id', prefix, width });
const category = (name: string): Column => ({ name, kind: 'category' });
const timestamp = (name: string, nullable = false): Column => ({ name, kind: 'timestamp', nullable });
const contactId = id('contact_id', 'c-', 6);

/** Null is a normal value in a nullable column; in any other a null makes the row bad (and the key is left out of JSON). */
export const isNullable = (c: Column): boolean => (c.kind === 'text' || c.kind === 'timestamp') && c.nullable;

/** How an id is spelled: the same in every format. */
export const spellId = (c: Extract<Column, { kind: 'id' }>, n: number): string =>
  c.prefix + String(n).padStart(c.width, '0');

export const COLUMNS: Readonly<Record<TableName, readonly Column[]>> = {
  contacts: [
    contactId,
    { name: 'phone', kind: 'text', nullable: true },
    timestamp('created_at'),
    timestamp('deleted_at', true),
  ],
  broadcast_events: [
    id('event_id', 'ev-', 9),
    id('broadcast_id', 'bc-', 5),
    id('message_id', 'bm-', 8),
    contactId,
    category('channel'),
    category('status'),
    timestamp('occurred_at'),
  ],
  services: [
    id('service_id', 'sv-', 7),
    contactId,
    category('module'),
    category('channel'),
    timestamp('opened_at'),
    timestamp('closed_at', true),
  ],
  service_messages: [
    id('message_id', 'sm-', 8),
    id('service_id', 'sv-', 7),
    contactId,
    category('module'),
    category('direction'),
    timestamp('sent_at'),
  ],
};

/** Receives the rows of one table of one tenant. `day` is the partition: days since 1970-01-01 (UTC). */
export interface RowSink {
  /** `redelivered` rows may land in a separate file of the same partition. */
  push(row: readonly Cell[], day: number, redelivered: boolean): void;
  /** A line that is not a row at all (NDJSON only; Parquet has no such thing). */
  garbage(day: number): void;
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

const dayNames = new Map<number, string>();

/** YYYY-MM-DD of a day number. */
export function dayName(day: number): string {
  let name = dayNames.get(day);
  if (name === undefined) dayNames.set(day, (name = new Date(day * 86_400_000).toISOString().slice(0, 10)));
  return name;
}

const sqlIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Rows per DuckDB temp table before it is copied out: bounds memory at any scale. */
const PARQUET_CHUNK_ROWS = 500_000;
const VECTOR_SIZE = 2048;

/** How a column travels through DuckDB: numbers in typed vectors (one native copy per 2048 rows), spelled out by the COPY. */
const BUFFER_TYPE = { id: INTEGER, category: UTINYINT, text: VARCHAR, timestamp: DOUBLE } as const;

interface Buffer {
  con: DuckDBConnection;
  name: string;
  appender: DuckDBAppender | null;
  chunk: DuckDBDataChunk | null;
  vectors: DuckDBVector[];
  /** Rows in `chunk`. */
  chunkRows: number;
  /** Rows in the table, appended or in `chunk`. */
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

const enum Kind {
  Id,
  Category,
  Text,
  Timestamp,
}

class ParquetSink implements RowSink {
  private readonly columns: readonly Column[];
  private readonly kinds: Kind[];
  private readonly types: DuckDBType[];
  /** Per category column: value -> code (1-based; 0 is null). */
  private readonly codes: Map<string, number>[];
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
    const kinds = { id: Kind.Id, category: Kind.Category, text: Kind.Text, timestamp: Kind.Timestamp } as const;
    this.kinds = this.columns.map((c) => kinds[c.kind]);
    this.types = [...this.columns.map((c) => BUFFER_TYPE[c.kind]), INTEGER];
    this.codes = this.columns.map(() => new Map());
  }

  async init(): Promise<void> {
    const columns = this.columns.map((c) => `${sqlIdent(c.name)} ${BUFFER_TYPE[c.kind].toString()}`);
    for (const role of ['a', 'b', 'late']) {
      const con = await this.instance.connect();
      await con.run(`set TimeZone = 'UTC'`);
      const name = `sample_${this.serial}_${role}`;
      await con.run(`create table ${name} (${columns.join(', ')}, day INTEGER)`);
      const buffer: Buffer = {
        con,
        name,
        appender: null,
        chunk: null,
        vectors: [],
        chunkRows: 0,
        rows: 0,
        pending: null,
      };
      await this.openAppender(buffer);
      if (role === 'late') this.late = buffer;
      else this.buffers.push(buffer);
    }
  }

  push(row: readonly Cell[], day: number, redelivered: boolean): void {
    const buffer = redelivered ? this.late : this.buffers[this.current]!;
    const r = buffer.chunkRows;
    const vectors = buffer.vectors;
    for (let i = 0; i < row.length; i++) {
      const v = row[i] ?? null;
      // nulls become -1 / 0 / NaN and come back as NULL in the COPY: a null in a vector costs far more
      switch (this.kinds[i]) {
        case Kind.Id:
          vectors[i]!.setItem(r, v === null ? -1 : (v as number));
          break;
        case Kind.Category:
          vectors[i]!.setItem(r, v === null ? 0 : this.code(i, v as string));
          break;
        case Kind.Text:
          vectors[i]!.setItem(r, v);
          break;
        case Kind.Timestamp:
          vectors[i]!.setItem(r, typeof v === 'number' ? v : NaN); // an unparseable timestamp can only be null in Parquet
          break;
      }
    }
    vectors[row.length]!.setItem(r, day);
    buffer.rows++;
    if (++buffer.chunkRows === VECTOR_SIZE) this.appendChunk(buffer);
  }

  garbage(): void {}

  get wantsFlush(): boolean {
    return this.buffers[this.current]!.rows >= PARQUET_CHUNK_ROWS || this.late.rows >= PARQUET_CHUNK_ROWS;
  }

  async flush(): Promise<void> {
    const buffer = this.buffers[this.current]!;
    if (buffer.rows >= PARQUET_CHUNK_ROWS) {
      // Copy this buffer out in the background while the generator fills the other one.
      this.closeAppender(buffer);
      buffer.pending = this.copyOut(buffer, `part-${this.nextChunk()}`).then(
        () => null,
        (error: unknown) => error ?? new Error('COPY failed'),
      );
      this.current = 1 - this.current;
      const next = this.buffers[this.current]!;
      await settle(next);
      if (!next.appender) await this.openAppender(next);
    }
    if (this.late.rows >= PARQUET_CHUNK_ROWS) {
      this.closeAppender(this.late);
      await this.copyOut(this.late, this.nextLateChunk());
      await this.openAppender(this.late);
    }
  }

  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    for (const buffer of [...this.buffers, this.late]) {
      this.closeAppender(buffer);
      await settle(buffer);
      if (buffer.rows > 0)
        await this.copyOut(buffer, buffer === this.late ? this.nextLateChunk() : `part-${this.nextChunk()}`);
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

  private code(column: number, value: string): number {
    const codes = this.codes[column]!;
    let code = codes.get(value);
    if (code === undefined) {
      code = codes.size + 1;
      if (code > 255) throw new Error(`too many distinct values in ${this.columns[column]!.name}`);
      codes.set(value, code);
    }
    return code;
  }

  private newChunk(buffer: Buffer): void {
    buffer.chunk = DuckDBDataChunk.create(this.types, VECTOR_SIZE);
    buffer.vectors = this.types.map((_, i) => buffer.chunk!.getColumnVector(i));
    buffer.chunkRows = 0;
  }

  private appendChunk(buffer: Buffer): void {
    for (const vector of buffer.vectors) vector.flush();
    if (buffer.chunkRows < VECTOR_SIZE) buffer.chunk!.rowCount = buffer.chunkRows;
    buffer.appender!.appendDataChunk(buffer.chunk!);
    this.newChunk(buffer);
  }

  private async openAppender(buffer: Buffer): Promise<void> {
    buffer.appender = await buffer.con.createAppender(buffer.name);
    this.newChunk(buffer);
  }

  private closeAppender(buffer: Buffer): void {
    if (!buffer.appender) return;
    if (buffer.chunkRows > 0) this.appendChunk(buffer);
    buffer.appender.closeSync();
    buffer.appender = null;
    buffer.chunk = null;
    buffer.vectors = [];
  }

  private nextChunk(): string {
    return String(this.chunk++).padStart(4, '0');
  }

  private nextLateChunk(): string {
    return `redelivery-${String(this.lateChunk++).padStart(4, '0')}`;
  }

  private async copyOut(buffer: Buffer, filePrefix: string): Promise<void> {
    const select = this.columns.map((c, i) => {
      const name = sqlIdent(c.name);
      switch (c.kind) {
        case 'id':
          return `case when ${name} >= 0 then printf(${sqlString(`${c.prefix}%0${c.width}d`)}, ${name}) end as ${name}`;
        case 'category':
          return `([${[...this.codes[i]!.keys()].map(sqlString).join(', ')}]::VARCHAR[])[${name}] as ${name}`;
        case 'text':
          return name;
        case 'timestamp':
          return `case when not isnan(${name}) then to_timestamp(${name}) end as ${name}`;
      }
    });
    await buffer.con.run(
      `copy (select ${select.join(', ')}, ${sqlString(this.tenant)} as tenant_id, strftime(date '1970-01-01' + day, '%Y-%m-%d') as dt from ${buffer.name})
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

/** Characters of NDJSON held per table before they are appended to their files. */
const NDJSON_BUFFER_CHARS = 8 * 1024 * 1024;

export class NdjsonLakeWriter implements LakeWriter {
  private readonly sinks = new Set<NdjsonSink>();

  constructor(
    private readonly root: string,
    private readonly gzip: boolean,
    private readonly seed: number,
  ) {}

  async open(table: TableName, tenant: string): Promise<NdjsonSink> {
    const rng = new Rng(hashSeed(this.seed, tenant, table, 'ndjson'));
    const sink = new NdjsonSink(join(this.root, table, `tenant_id=${tenant}`), table, this.gzip, rng);
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

class NdjsonSink implements RowSink {
  private readonly columns: readonly Column[];
  private readonly keys: string[];
  private readonly lines = new Map<number, string[]>();
  private readonly partitions = new Set<number>();
  private readonly file: string;
  private chars = 0;

  constructor(
    private readonly tenantDir: string,
    table: TableName,
    private readonly gzip: boolean,
    private readonly rng: Rng,
  ) {
    this.columns = COLUMNS[table];
    this.keys = this.columns.map((c) => JSON.stringify(c.name) + ':');
    this.file = gzip ? 'part-0000.ndjson.gz' : 'part-0000.ndjson';
  }

  push(row: readonly Cell[], day: number): void {
    // Most instants are written in UTC (Z), some with the -03:00 offset a Brazilian producer would use.
    const offset = this.rng.chance(0.2);
    const fields: string[] = [];
    for (let i = 0; i < row.length; i++) {
      const v = row[i] ?? null;
      const column = this.columns[i]!;
      let json: string;
      if (v === null) {
        if (!isNullable(column)) continue; // a missing required column
        json = 'null';
      } else if (column.kind === 'id') json = `"${spellId(column, v as number)}"`;
      else if (typeof v === 'number') json = `"${isoInstant(v, offset)}"`;
      else json = JSON.stringify(v);
      fields.push(this.keys[i] + json);
    }
    this.add(day, `{${fields.join(',')}}`); // join gives one flat string, cheaper to hold than a chain of concatenations
  }

  garbage(day: number): void {
    // a record cut short by a failed write: not JSON
    this.add(day, `{${this.keys[0]}"${this.columns[0]!.name.slice(0, 1)}-0000`);
  }

  get wantsFlush(): boolean {
    return this.chars >= NDJSON_BUFFER_CHARS;
  }

  async flush(): Promise<void> {
    for (const [day, lines] of this.lines) {
      const dir = join(this.tenantDir, `dt=${dayName(day)}`);
      if (!this.partitions.has(day)) {
        mkdirSync(dir, { recursive: true });
        this.partitions.add(day);
      }
      const text = lines.join('\n') + '\n';
      // each flush appends a gzip member: a multi-member .gz file is still one valid gzip stream
      appendFileSync(join(dir, this.file), this.gzip ? gzipSync(text) : text);
    }
    this.lines.clear();
    this.chars = 0;
  }

  async finish(): Promise<void> {
    await this.flush();
  }

  private add(day: number, line: string): void {
    let lines = this.lines.get(day);
    if (!lines) this.lines.set(day, (lines = []));
    lines.push(line);
    this.chars += line.length + 1;
  }
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** ISO-8601 at whole seconds, in UTC (`Z`) or at -03:00; the same instant either way. Hand-rolled: this is the NDJSON hot path. */
function isoInstant(epochSeconds: number, offset: boolean): string {
  const local = offset ? epochSeconds - 3 * 3600 : epochSeconds;
  const day = Math.floor(local / 86_400);
  const s = local - day * 86_400;
  const time = `${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}`;
  return `${dayName(day)}T${time}${offset ? '-03:00' : 'Z'}`;
}
