import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
  type GetQueryResultsOutput,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { ListObjectsV2Command, S3Client, type ListObjectsV2CommandInput } from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { athenaEngineFactory, athenaLiteral, type AthenaEngineOptions } from '../src/aws/athena-engine.ts';
import { InputError, LakeError, QueryError } from '../src/core/errors.ts';
import { generateReport, metricsJson } from '../src/core/generate-report.ts';
import type { QueryEngine } from '../src/core/query-engine.port.ts';
import type { ReportRequest } from '../src/core/report-request.ts';
import { reportWindow } from '../src/core/report-window.ts';
import { bindValues, loadQueries, type SqlQuery } from '../src/core/sql-catalog.ts';
import type { ReportMetrics } from '../src/core/report.types.ts';

const TENANT = 'acme';
const Q: SqlQuery = { name: 'probe', sql: 'select ? as a, ? as b', params: ['tenant_id', 'attribution_hours'] };

let athena: AthenaClient;
let s3: S3Client;
let athenaMock: AwsClientStub<AthenaClient>;
let s3Mock: AwsClientStub<S3Client>;
let clock: number;
let sleeps: number[];

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

beforeEach(() => {
  athena = new AthenaClient({ region: 'us-east-1', credentials });
  s3 = new S3Client({ region: 'us-east-1', credentials });
  athenaMock = mockClient(athena);
  s3Mock = mockClient(s3);
  clock = 0;
  sleeps = [];
  // Every tenant prefix holds one object unless a test says otherwise.
  s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: 'x' }] });
});

function options(extra: Partial<AthenaEngineOptions> = {}): AthenaEngineOptions {
  return {
    athena,
    s3,
    workgroup: 'reports-wg',
    database: 'lake_db',
    lakeBucket: 'lake-bucket',
    lakePrefix: 'lake/',
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
    now: () => clock,
    random: () => 1,
    ...extra,
  };
}

const open = (extra: Partial<AthenaEngineOptions> = {}, tenant = TENANT) => athenaEngineFactory(options(extra))(tenant);

function execution(state: string, extra: Partial<QueryExecution> = {}): { QueryExecution: QueryExecution } {
  return {
    QueryExecution: {
      QueryExecutionId: 'qe-1',
      Status: { State: state as 'SUCCEEDED' },
      Statistics: { EngineExecutionTimeInMillis: 1234, DataScannedInBytes: 5678 },
      ...extra,
    },
  };
}

type Column = [name: string, type: string];

function resultPage(
  columns: Column[],
  rows: (string | null)[][],
  { header = true, next }: { header?: boolean; next?: string } = {},
): GetQueryResultsOutput {
  const datum = (v: string | null) => (v === null ? {} : { VarCharValue: v });
  return {
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: columns.map(([Name, Type]) => ({ Name, Type })) },
      Rows: [
        ...(header ? [{ Data: columns.map(([name]) => datum(name)) }] : []),
        ...rows.map((r) => ({ Data: r.map(datum) })),
      ],
    },
    ...(next ? { NextToken: next } : {}),
  };
}

function succeedWith(page: GetQueryResultsOutput): void {
  athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-1' });
  athenaMock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
  athenaMock.on(GetQueryResultsCommand).resolves(page);
}

const throttle = (name = 'TooManyRequestsException') =>
  name === 'TooManyRequestsException'
    ? new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} })
    : Object.assign(new Error('Rate exceeded'), { name });

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('AthenaEngine.run', () => {
  it('returns typed rows and the execution statistics', async () => {
    succeedWith(
      resultPage(
        [
          ['n_big', 'bigint'],
          ['n_int', 'integer'],
          ['n_small', 'smallint'],
          ['ratio', 'double'],
          ['amount', 'decimal'],
          ['flag', 'boolean'],
          ['name', 'varchar'],
          ['day', 'date'],
          ['at', 'timestamp'],
          ['missing', 'bigint'],
        ],
        [
          [
            '9007199254740991',
            '-42',
            '7',
            '0.25',
            '12.50',
            'true',
            "O'Brien",
            '2026-11-16',
            '2026-11-16 03:00:00.000',
            null,
          ],
          ['0', '1', '2', '1e3', '-3', 'false', '', '2026-11-17', '2026-11-17 00:00:00.000', '5'],
        ],
      ),
    );
    const engine = await open();
    expect(engine.kind).toBe('athena');
    const result = await engine.run(Q, [TENANT, 168]);
    expect(result.rows).toEqual([
      {
        n_big: 9007199254740991,
        n_int: -42,
        n_small: 7,
        ratio: 0.25,
        amount: 12.5,
        flag: true,
        name: "O'Brien",
        day: '2026-11-16',
        at: '2026-11-16 03:00:00.000',
        missing: null,
      },
      {
        n_big: 0,
        n_int: 1,
        n_small: 2,
        ratio: 1000,
        amount: -3,
        flag: false,
        name: '',
        day: '2026-11-17',
        at: '2026-11-17 00:00:00.000',
        missing: 5,
      },
    ]);
    expect(result.execution).toEqual({ query: 'probe', engineMs: 1234, bytesScanned: 5678 });
    await engine.close();
  });

  it('refuses an integer beyond 2^53', async () => {
    succeedWith(resultPage([['n', 'bigint']], [['9007199254740993']]));
    const engine = await open();
    const error = await failure(engine.run(Q, [TENANT, 1]));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(/query probe: column n \(bigint\): 9007199254740993 is beyond 2\^53/);
  });

  it('binds the values as ExecutionParameters, never in the SQL, in the workgroup and database', async () => {
    succeedWith(resultPage([['a', 'varchar']], []));
    const engine = await open({ catalog: 'OtherCatalog' });
    const query: SqlQuery = {
      name: 'quoting',
      sql: 'select ? , ?, ?, ?',
      params: ['tenant_id', 'timezone', 'attribution_hours', 'snapshot_dt'],
    };
    const result = await engine.run(query, ["it's", 'America/Sao_Paulo', 168, '']);
    expect(result.rows).toEqual([]);
    const calls = athenaMock.commandCalls(StartQueryExecutionCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toEqual({
      QueryString: 'select ? , ?, ?, ?',
      WorkGroup: 'reports-wg',
      QueryExecutionContext: { Database: 'lake_db', Catalog: 'OtherCatalog' },
      ExecutionParameters: ["'it''s'", "'America/Sao_Paulo'", '168', "''"],
      ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(athenaMock.commandCalls(GetQueryResultsCommand)[0]!.args[0].input).toEqual({
      QueryExecutionId: 'qe-1',
      MaxResults: 1000,
    });
  });

  it('uses the default catalog and omits ExecutionParameters for a query without placeholders', async () => {
    succeedWith(resultPage([['a', 'integer']], [['1']]));
    const engine = await open();
    await engine.run({ name: 'plain', sql: 'select 1 as a', params: [] }, []);
    const input = athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(input.QueryExecutionContext).toEqual({ Database: 'lake_db', Catalog: 'AwsDataCatalog' });
    expect(input).not.toHaveProperty('ExecutionParameters');
  });

  it('refuses NaN, Infinity and NUL before starting anything', async () => {
    expect(athenaLiteral(-1.5)).toBe('-1.5');
    expect(athenaLiteral(1e21)).toBe('1E+21');
    expect(() => athenaLiteral(Number.NaN)).toThrow(/finite/);
    expect(() => athenaLiteral(Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(() => athenaLiteral('a\0b')).toThrow(/NUL/);
    const engine = await open();
    await expect(engine.run(Q, [TENANT, Number.NaN])).rejects.toThrow(
      /query probe: parameter 2 \(attribution_hours\): cannot bind NaN/,
    );
    await expect(engine.run(Q, ['x\0', 1])).rejects.toThrow(/parameter 1 \(tenant_id\).*NUL/);
    await expect(engine.run(Q, [TENANT])).rejects.toThrow(/1 values for 2 parameters/);
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('reads every page of the results, skipping only the first page header', async () => {
    const columns: Column[] = [
      ['k', 'varchar'],
      ['v', 'bigint'],
    ];
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-1' });
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athenaMock
      .on(GetQueryResultsCommand)
      .resolvesOnce(resultPage(columns, [['a', '1']], { next: 't1' }))
      .resolvesOnce(
        resultPage(
          columns,
          [
            ['b', '2'],
            ['c', '3'],
          ],
          { header: false, next: 't2' },
        ),
      )
      .resolvesOnce(resultPage(columns, [['d', '4']], { header: false }));
    const engine = await open();
    const { rows } = await engine.run(Q, [TENANT, 1]);
    expect(rows).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
      { k: 'c', v: 3 },
      { k: 'd', v: 4 },
    ]);
    const tokens = athenaMock.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, 't1', 't2']);
  });

  it('polls with a growing, capped interval until the query succeeds', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-1' });
    const get = athenaMock.on(GetQueryExecutionCommand);
    for (let i = 0; i < 8; i++) get.resolvesOnce(execution(i < 2 ? 'QUEUED' : 'RUNNING'));
    get.resolves(execution('SUCCEEDED'));
    athenaMock.on(GetQueryResultsCommand).resolves(resultPage([['a', 'integer']], []));
    const engine = await open();
    await engine.run(Q, [TENANT, 1]);
    expect(sleeps).toEqual([200, 300, 450, 675, 1013, 1519, 2000, 2000, 2000]);
  });

  it('reports a FAILED query with its reason and error details', async () => {
    const reason = "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved";
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-9' });
    athenaMock.on(GetQueryExecutionCommand).resolves(
      execution('FAILED', {
        QueryExecutionId: 'qe-9',
        Status: {
          State: 'FAILED',
          StateChangeReason: reason,
          AthenaError: { ErrorCategory: 2, ErrorType: 1006, ErrorMessage: reason, Retryable: false },
        },
      }),
    );
    const engine = await open();
    const error = await failure(engine.run(Q, [TENANT, 1]));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toBe(`query probe: Athena query qe-9 failed: ${reason} [category user (2); type 1006]`);
    expect(athenaMock.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it.each(['CANCELLED', 'FAILED'])(
    'says the query hit the bytes-scanned limit when the workgroup cutoff stops it (%s)',
    async (state) => {
      athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-2' });
      athenaMock.on(GetQueryExecutionCommand).resolves(
        execution(state, {
          QueryExecutionId: 'qe-2',
          Status: { State: state as 'CANCELLED', StateChangeReason: 'Bytes scanned limit was exceeded' },
          Statistics: { DataScannedInBytes: 10485760, EngineExecutionTimeInMillis: 900 },
        }),
      );
      const engine = await open();
      const error = await failure(engine.run(Q, [TENANT, 1]));
      expect(error).toBeInstanceOf(QueryError);
      expect(error.message).toContain(
        'query probe: hit the bytes-scanned limit of workgroup "reports-wg" and was stopped after scanning 10485760 bytes',
      );
      expect(error.message).toContain('Bytes scanned limit was exceeded');
    },
  );

  it('reports any other cancellation as cancelled', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-3' });
    athenaMock.on(GetQueryExecutionCommand).resolves(
      execution('CANCELLED', {
        QueryExecutionId: 'qe-3',
        Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' },
      }),
    );
    const engine = await open();
    const error = await failure(engine.run(Q, [TENANT, 1]));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toBe('query probe: Athena query qe-3 was cancelled: Query cancelled by user');
    expect(error.message).not.toMatch(/limit/);
  });

  it('stops a query that outlives the deadline', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-slow' });
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athenaMock.on(StopQueryExecutionCommand).resolves({});
    const engine = await open({ deadlineMs: 30_000 });
    const error = await failure(engine.run(Q, [TENANT, 1]));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(/^query probe: timed out after 30 s \(Athena query qe-slow was still RUNNING/);
    expect(clock).toBe(30_000);
    const stops = athenaMock.commandCalls(StopQueryExecutionCommand);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.args[0].input).toEqual({ QueryExecutionId: 'qe-slow' });
  });

  it('retries throttled calls with the same request token, then succeeds', async () => {
    athenaMock
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttle())
      .rejectsOnce(throttle('ThrottlingException'))
      .resolves({ QueryExecutionId: 'qe-1' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .rejectsOnce(throttle('ThrottlingException'))
      .resolves(execution('SUCCEEDED'));
    const sdkThrottle = Object.assign(new Error('Slow down'), {
      name: 'SomethingElse',
      $retryable: { throttling: true },
    });
    athenaMock
      .on(GetQueryResultsCommand)
      .rejectsOnce(sdkThrottle)
      .resolves(resultPage([['a', 'integer']], [['1']]));
    const engine = await open();
    const result = await engine.run(Q, [TENANT, 1]);
    expect(result.rows).toEqual([{ a: 1 }]);
    const starts = athenaMock.commandCalls(StartQueryExecutionCommand);
    expect(starts).toHaveLength(3);
    const tokens = new Set(starts.map((c) => c.args[0].input.ClientRequestToken));
    expect(tokens.size).toBe(1);
    expect(athenaMock.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
  });

  it('gives up on a call that stays throttled', async () => {
    athenaMock.on(StartQueryExecutionCommand).rejects(throttle());
    const engine = await open({ throttleAttempts: 4 });
    const error = await failure(engine.run(Q, [TENANT, 1]));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(
      /^query probe: Athena StartQueryExecution was throttled or unavailable on all 4 attempts; last error: TooManyRequestsException: Rate exceeded$/,
    );
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(4);
  });

  it('does not retry a request Athena refuses', async () => {
    athenaMock
      .on(StartQueryExecutionCommand)
      .rejects(Object.assign(new Error('Queries of this type are not supported'), { name: 'InvalidRequestException' }));
    const engine = await open();
    await expect(engine.run(Q, [TENANT, 1])).rejects.toThrow(
      'query probe: Athena StartQueryExecution failed: InvalidRequestException: Queries of this type are not supported',
    );
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('keeps at most maxConcurrency queries in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    let next = 0;
    const polls = new Map<string, number>();
    athenaMock.on(StartQueryExecutionCommand).callsFake(() => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      return { QueryExecutionId: `qe-${next++}` };
    });
    athenaMock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      const n = (polls.get(input.QueryExecutionId) ?? 0) + 1;
      polls.set(input.QueryExecutionId, n);
      return execution(n < 3 ? 'RUNNING' : 'SUCCEEDED', { QueryExecutionId: input.QueryExecutionId });
    });
    athenaMock.on(GetQueryResultsCommand).callsFake(() => {
      inFlight--; // the only page: the query is finished once it is served
      return resultPage([['a', 'integer']], [['1']]);
    });
    const engine = await open({ maxConcurrency: 2 });
    const results = await Promise.all(Array.from({ length: 10 }, () => engine.run(Q, [TENANT, 1])));
    expect(results).toHaveLength(10);
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(10);
    expect(peak).toBe(2);
    expect(inFlight).toBe(0);
  });

  it('close() stops running queries and refuses new ones', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'qe-run' });
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athenaMock.on(StopQueryExecutionCommand).resolves({});
    const holder: { engine?: QueryEngine } = {};
    const engine = await open({
      sleep: async () => {
        await holder.engine?.close(); // the engine closes while the query is polled
      },
    });
    holder.engine = engine;
    await expect(engine.run(Q, [TENANT, 1])).rejects.toThrow(/closed while query qe-run ran/);
    expect(athenaMock.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryExecutionId: 'qe-run',
    });
    await expect(engine.run(Q, [TENANT, 1])).rejects.toThrow(/query probe: the Athena engine is closed/);
  });
});

describe('AthenaEngine.newestSnapshot', () => {
  it('returns the greatest valid dt across every page of the listing', async () => {
    const prefix = 'lake/contacts/tenant_id=acme/dt=';
    const pages: Record<string, { prefixes: string[]; next?: string }> = {
      first: { prefixes: ['2026-11-20', '2026-11-22'], next: 'p2' },
      p2: { prefixes: ['2026-13-01', 'not-a-date', '2026-02-30'], next: 'p3' },
      p3: { prefixes: ['2026-11-23', '2026-01-05'] },
    };
    s3Mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      if (input.MaxKeys === 1) return { KeyCount: 1, Contents: [{ Key: 'x' }] };
      const page = pages[input.ContinuationToken ?? 'first']!;
      return {
        CommonPrefixes: page.prefixes.map((dt) => ({ Prefix: `${prefix}${dt}/` })),
        IsTruncated: page.next !== undefined,
        ...(page.next ? { NextContinuationToken: page.next } : {}),
      };
    });
    const engine = await open();
    expect(await engine.newestSnapshot()).toBe('2026-11-23');
    const listings = s3Mock
      .commandCalls(ListObjectsV2Command)
      .map((c) => c.args[0].input)
      .filter((i) => i.MaxKeys === undefined);
    expect(listings).toEqual([
      { Bucket: 'lake-bucket', Prefix: prefix, Delimiter: '/' },
      { Bucket: 'lake-bucket', Prefix: prefix, Delimiter: '/', ContinuationToken: 'p2' },
      { Bucket: 'lake-bucket', Prefix: prefix, Delimiter: '/', ContinuationToken: 'p3' },
    ]);
  });

  it('returns null when the tenant has no contacts snapshot', async () => {
    s3Mock
      .on(ListObjectsV2Command)
      .callsFake((input: ListObjectsV2CommandInput) =>
        input.MaxKeys === 1 ? { KeyCount: 1, Contents: [{ Key: 'x' }] } : { KeyCount: 0 },
      );
    const engine = await open();
    expect(await engine.newestSnapshot()).toBeNull();
  });
});

describe('athenaEngineFactory', () => {
  it('opens a tenant that has data in any one table', async () => {
    s3Mock
      .on(ListObjectsV2Command)
      .callsFake((input: ListObjectsV2CommandInput) =>
        input.Prefix === 'data/services/tenant_id=acme/' ? { KeyCount: 1, Contents: [{ Key: 'x' }] } : { KeyCount: 0 },
      );
    const engine = await open({ lakePrefix: '/data' });
    expect(engine.kind).toBe('athena');
    const prefixes = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(prefixes).toEqual(
      ['contacts', 'broadcast_events', 'services', 'service_messages'].map((t) => ({
        Bucket: 'lake-bucket',
        Prefix: `data/${t}/tenant_id=acme/`,
        Delimiter: '/',
        MaxKeys: 1,
      })),
    );
  });

  it('rejects an unknown tenant with a LakeError', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    const error = await failure(open({}, 'ghost'));
    expect(error).toBeInstanceOf(LakeError);
    expect(error.message).toBe('unknown tenant "ghost": the lake s3://lake-bucket/lake/ holds no data for it');
  });

  it('rejects a malformed tenant id before listing anything', async () => {
    await expect(open({}, '../etc')).rejects.toBeInstanceOf(InputError);
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it('turns an S3 failure into a LakeError', async () => {
    s3Mock
      .on(ListObjectsV2Command)
      .rejects(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }));
    const error = await failure(open());
    expect(error).toBeInstanceOf(LakeError);
    expect(error.message).toMatch(
      /cannot list table contacts in the lake s3:\/\/lake-bucket\/lake\/contacts\/tenant_id=acme\/: NoSuchBucket/,
    );
  });

  it('refuses bad options when wired', () => {
    expect(() => athenaEngineFactory(options({ workgroup: '' }))).toThrow(/workgroup is required/);
    expect(() => athenaEngineFactory(options({ maxConcurrency: 0 }))).toThrow(/maxConcurrency/);
  });
});

describe('buildReport over Athena', () => {
  const activityColumns: Column[] = [
    ['local_date', 'varchar'],
    ...[
      'reached_contacts',
      'reached_previous',
      'sent_contacts',
      'delivered_contacts',
      'read_contacts',
      'clicked_contacts',
      'replied_contacts',
      'journey_sales',
      'sales_contacts',
      'sales_previous',
      'support_contacts',
      'support_previous',
      ...[1, 2, 3, 4, 5, 6].flatMap((m) => ['broadcast', 'sales', 'support', 'total'].map((k) => `month_${m}_${k}`)),
      'sent_messages',
      'sales_services',
      'support_services',
      'broadcast_rows',
      'broadcast_skipped',
      'broadcast_unknown',
      'service_rows',
      'service_skipped',
      'service_unknown',
    ].map((name) => [name, 'bigint'] as Column),
  ];
  const activityRow = (values: Record<string, string>, localDate: string | null) =>
    activityColumns.map(([name]) => (name === 'local_date' ? localDate : (values[name] ?? '0')));
  const CANNED: Record<string, { columns: Column[]; rows: (string | null)[][] }> = {
    contact_base: {
      columns: [
        ['state', 'varchar'],
        ['value', 'bigint'],
        ['previous', 'bigint'],
        ['rows_read', 'bigint'],
        ['rows_skipped', 'bigint'],
      ],
      rows: [
        [null, '120', '100', '121', '1'],
        ['SP', '70', '60', '80', '0'],
        ['RJ', '20', '15', '25', '0'],
      ],
    },
    contact_activity: {
      columns: activityColumns,
      rows: [
        activityRow(
          {
            reached_contacts: '40',
            reached_previous: '30',
            sent_contacts: '50',
            delivered_contacts: '45',
            read_contacts: '30',
            clicked_contacts: '10',
            replied_contacts: '5',
            journey_sales: '6',
            sales_contacts: '5',
            sales_previous: '4',
            support_contacts: '3',
            support_previous: '2',
            month_6_broadcast: '40',
            month_6_sales: '5',
            month_6_support: '3',
            month_6_total: '44',
            sent_messages: '12',
            sales_services: '6',
            support_services: '4',
            broadcast_rows: '500',
            broadcast_skipped: '2',
            broadcast_unknown: '3',
            service_rows: '30',
            service_skipped: '0',
            service_unknown: '1',
          },
          null,
        ),
        activityRow({ sent_messages: '12', sales_services: '2', support_services: '1' }, '2026-11-17'),
      ],
    },
    sales_heatmap: {
      columns: [
        ['weekday', 'bigint'],
        ['hour', 'bigint'],
        ['messages', 'bigint'],
        ['rows_read', 'bigint'],
        ['rows_skipped', 'bigint'],
        ['unknown_values', 'bigint'],
      ],
      rows: [
        ['2', '10', '9', '9', '0', '0'],
        [null, null, '9', '80', '0', '2'],
      ],
    },
  };

  it('assembles metrics.json from the Athena results, with bytes scanned per query', async () => {
    const queries = loadQueries();
    const names = [...queries.keys()];
    expect(names.sort()).toEqual(Object.keys(CANNED).sort());
    const byText = new Map([...queries.values()].map((q) => [q.sql, q.name]));
    const bytes = (name: string) => 1_000_000 * (names.indexOf(name) + 1);

    s3Mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) =>
      input.MaxKeys === 1
        ? { KeyCount: 1, Contents: [{ Key: 'x' }] }
        : {
            CommonPrefixes: ['2026-11-22', '2026-11-23'].map((dt) => ({
              Prefix: `lake/contacts/tenant_id=acme/dt=${dt}/`,
            })),
          },
    );
    athenaMock.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => {
      const name = byText.get(input.QueryString);
      if (!name) throw new Error('unexpected SQL');
      return { QueryExecutionId: `qe-${name}` };
    });
    athenaMock.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      const name = input.QueryExecutionId.slice(3);
      return execution('SUCCEEDED', {
        QueryExecutionId: input.QueryExecutionId,
        Statistics: { EngineExecutionTimeInMillis: 100 + names.indexOf(name), DataScannedInBytes: bytes(name) },
      });
    });
    athenaMock.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) => {
      const canned = CANNED[input.QueryExecutionId.slice(3)]!;
      return resultPage(canned.columns, canned.rows);
    });

    const request: ReportRequest = {
      tenantId: TENANT,
      timezone: 'America/Sao_Paulo',
      start: '2026-11-16',
      end: '2026-11-22',
      attributionDays: 7,
    };
    const metrics = await generateReport(request, athenaEngineFactory(options()), {
      now: () => new Date('2026-11-23T12:00:00Z'),
    });
    const json = JSON.parse(metricsJson(metrics)) as ReportMetrics;

    expect(json.execution.engine).toBe('athena');
    expect(json.execution.queries).toEqual(
      [...names].sort().map((name) => ({
        query: name,
        engineMs: 100 + names.indexOf(name),
        bytesScanned: bytes(name),
      })),
    );
    expect(json.kpis.contactBase).toEqual({ value: 120, previous: 100 });
    expect(json.kpis.contactsInSales).toEqual({ value: 5, previous: 4 });
    expect(json.messageFunnel.map((s) => s.contacts)).toEqual([50, 45, 30, 10, 5]);
    expect(json.journeyFunnel).toEqual([
      { stage: 'REACHED', contacts: 40 },
      { stage: 'SALES', contacts: 6 },
    ]);
    expect(json.contactsByState.slice(0, 2)).toEqual([
      { state: 'SP', contacts: 70 },
      { state: 'RJ', contacts: 20 },
    ]);
    expect(json.salesHeatmap.find((c) => c.weekday === 2 && c.hour === 10)?.messages).toBe(9);
    expect(json.dailyVolume.find((d) => d.date === '2026-11-17')).toEqual({
      date: '2026-11-17',
      broadcasts: 12,
      salesServices: 2,
      supportServices: 1,
    });
    expect(json.dailyVolume.filter((d) => d.date !== '2026-11-17').every((d) => d.broadcasts === 0)).toBe(true);
    expect(json.serviceDistribution).toEqual({ sales: 6, support: 4 });
    expect(json.dataQuality.contactsSnapshot).toBe('2026-11-23');
    expect(json.dataQuality.unknownModuleRows).toBe(3);

    // Each query got its own values, bound in order as Athena literals.
    const starts = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toHaveLength(names.length);
    const contactBase = starts.find((i) => i.QueryString === queries.get('contact_base')!.sql)!;
    expect(contactBase.ExecutionParameters).toEqual([
      "'2026-11-23T03:00:00.000Z'",
      "'2026-11-16T03:00:00.000Z'",
      "'acme'",
      "'2026-11-23'",
    ]);
    const params = reportWindow(request, '2026-11-23').params;
    for (const input of starts) {
      const query = queries.get(byText.get(input.QueryString!)!)!;
      expect(input.ExecutionParameters).toEqual(bindValues(query, params).map(athenaLiteral));
      expect(input.WorkGroup).toBe('reports-wg');
    }
  });
});
