import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadQueries } from '../src/core/sql-catalog.ts';
import { removeDir, tempDir, writeLake } from './support/lake-builder.ts';
import { contact, event, service } from './support/rows.ts';

const run = promisify(execFile);
const CBR = path.resolve('bin/cbr.js');

async function cbr(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CBR, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** One acme contact reached on 2026-11-17, and a row of another tenant the reports must never see. */
const writeSmallLake = (work: string) =>
  writeLake(
    path.join(work, 'lake'),
    {
      contacts: [contact('acme', '2026-11-23', 'k1', '+5511987654321', '2020-01-01T00:00:00Z')],
      broadcast_events: [event('acme', 'k1', 'DELIVERED', '2026-11-17T12:00:00Z')],
      services: [service('globex', 'k1', 'SALES', '2026-11-17T12:00:00Z')],
    },
    'parquet',
  );

describe('cbr report', () => {
  let work: string;
  let lake: string;

  beforeAll(async () => {
    work = tempDir();
    lake = await writeSmallLake(work);
  });
  afterAll(() => removeDir(work));

  const base = () => ['report', '--data', lake, '--tenant', 'acme', '--from', '2026-11-16', '--to', '2026-11-22'];

  it('writes OUT/metrics.json and prints its path', async () => {
    const out = path.join(work, 'out-ok');
    const result = await cbr([...base(), '--out', out, '--timezone', 'America/Sao_Paulo'], work);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(path.join(out, 'metrics.json'));
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      schemaVersion: 1,
      tenantId: 'acme',
      period: { start: '2026-11-16', end: '2026-11-22' },
    });
    expect(metrics.kpis.reachedContacts.value).toBe(1);
    const queries = loadQueries().size;
    expect(result.stderr).toContain(`query ${queries}/${queries}`);
  });

  it('defaults the output folder to reports/<tenant>/<from>_<to> under the working folder', async () => {
    const result = await cbr([...base(), '--quiet'], work);
    expect(result.code).toBe(0);
    expect(existsSync(path.join(work, 'reports/acme/2026-11-16_2026-11-22/metrics.json'))).toBe(true);
    expect(result.stderr).toBe('');
  });

  it.each([
    [['--tenant', 'nobody'], 3, /unknown tenant "nobody".*tenants in this lake: acme, globex/],
    [['--from', '2026-11-23'], 2, /starts \(2026-11-23\) after it ends \(2026-11-22\)/],
    [['--from', '2026-13-01'], 2, /invalid start \(--from\) date "2026-13-01"/],
    [['--to', 'yesterday'], 2, /invalid end \(--to\) date "yesterday"/],
    [['--timezone', 'America/Atlantis'], 2, /unknown time zone "America\/Atlantis"/],
    [['--attribution-days', 'seven'], 2, /invalid attribution days "seven"/],
    [['--tenant', 'Acme!'], 2, /invalid tenant id "Acme!"/],
    [['--data', '/nonexistent/lake'], 3, /lake folder not found: \/nonexistent\/lake/],
    [['--engine', 'athena'], 2, /--engine athena needs --data s3:\/\/<lake-bucket>/],
    [['--email-to', 'ana@acme.example.com,not-an-address'], 2, /invalid --email-to address "not-an-address"/],
  ])('refuses %j with one clear message and no output', async (args, code, message) => {
    const out = path.join(work, `out-bad-${code}-${args.join('')}`.replace(/[^\w-]/g, '_'));
    const all = [...base(), '--out', out];
    for (let i = 0; i < args.length; i += 2) {
      const at = all.indexOf(args[i]!);
      if (at >= 0) all[at + 1] = args[i + 1]!;
      else all.push(args[i]!, args[i + 1]!);
    }
    const result = await cbr(all, work);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('cbr:')),
    ).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('an unreadable lake file fails the report, names the file and leaves the previous report intact', async () => {
    const broken = await writeLake(
      path.join(work, 'broken-lake'),
      { broadcast_events: [event('acme', 'k1', 'DELIVERED', '2026-11-17T12:00:00Z')] },
      'parquet',
    );
    const corrupt = path.join(broken, 'broadcast_events/tenant_id=acme/dt=2026-11-18/part-0.parquet');
    mkdirSync(path.dirname(corrupt), { recursive: true });
    writeFileSync(corrupt, 'PAR1 this is not parquet');
    const out = path.join(work, 'out-kept');
    mkdirSync(out);
    writeFileSync(path.join(out, 'metrics.json'), '{"kept": true}');

    const result = await cbr([...base().map((a) => (a === lake ? broken : a)), '--out', out], work);

    expect(result.code).toBe(3);
    expect(result.stderr).toContain(corrupt);
    expect(readFileSync(path.join(out, 'metrics.json'), 'utf8')).toBe('{"kept": true}');
    expect(readdirSync(work).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
  });

  it('never replaces a folder that is not a report', async () => {
    const precious = path.join(work, 'precious');
    mkdirSync(precious);
    writeFileSync(path.join(precious, 'thesis.txt'), 'years of work');

    const result = await cbr([...base(), '--out', precious], work);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refusing to replace .*precious: it is not empty and holds no earlier report/);
    expect(readFileSync(path.join(precious, 'thesis.txt'), 'utf8')).toBe('years of work');
  });

  it('a stray file of another format is refused by name', async () => {
    const stray = await writeLake(
      path.join(work, 'stray-lake'),
      { contacts: [contact('acme', '2026-11-23', 'k1', null, '2020-01-01T00:00:00Z')] },
      'parquet',
    );
    writeFileSync(path.join(stray, 'contacts/tenant_id=acme/dt=2026-11-23/export.csv'), 'a,b\n');
    const result = await cbr([...base().map((a) => (a === lake ? stray : a)), '--quiet'], work);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/unsupported file in the lake: .*export\.csv/);
  });

  it('--help explains every option', async () => {
    const result = await cbr(['report', '--help'], work);
    for (const option of ['--data', '--tenant', '--from', '--to', '--timezone', '--attribution-days', '--out']) {
      expect(result.stdout).toContain(option);
    }
  });
});

describe('cbr run-schedules', () => {
  let work: string;
  let lake: string;

  beforeAll(async () => {
    work = tempDir();
    lake = await writeSmallLake(work);
    writeFileSync(
      path.join(work, 'subscriptions.json'),
      JSON.stringify([
        {
          id: 'acme-weekly',
          tenantId: 'acme',
          cadence: 'weekly',
          sendAt: '08:00',
          timezone: 'America/Sao_Paulo',
          recipients: ['ana@acme.example.com'],
          locale: 'pt-BR',
        },
        {
          id: 'acme-daily',
          tenantId: 'acme',
          cadence: 'daily',
          sendAt: '07:30',
          timezone: 'America/Sao_Paulo',
          recipients: ['ops@acme.example.com'],
          locale: 'en',
        },
        {
          id: 'ghost-weekly',
          tenantId: 'ghost',
          cadence: 'weekly',
          sendAt: '08:00',
          timezone: 'America/Sao_Paulo',
          recipients: ['admin@ghost.example.com'],
          locale: 'en',
        },
      ]),
    );
  });
  afterAll(() => removeDir(work));

  const schedules = (at: string, extra: string[] = []) =>
    cbr(
      [
        'run-schedules',
        '--at',
        at,
        '--data',
        lake,
        '--subscriptions',
        'subscriptions.json',
        '--attempts',
        '2',
        ...extra,
      ],
      work,
    );
  const outbox = () => (existsSync(path.join(work, 'outbox')) ? readdirSync(path.join(work, 'outbox')) : []);

  it('runs the subscriptions due at the instant; run twice, it still sends one digest each, and tells admins of a failure', async () => {
    const first = await schedules('2026-11-23T11:00:00Z'); // Monday 08:00 in São Paulo
    const second = await schedules('2026-11-23T11:00:00Z');

    expect(first.code).toBe(4); // ghost-weekly failed for good
    expect(first.stderr).toMatch(/ghost-weekly: attempt 2\/2 failed: unknown tenant "ghost"/);
    const outcomes = JSON.parse(first.stdout) as {
      subscriptionId: string;
      record?: { status: string };
      notified?: boolean;
    }[];
    expect(outcomes.map((o) => [o.subscriptionId, o.record?.status ?? (o.notified ? 'notified' : '')])).toEqual([
      ['acme-weekly', 'sent'],
      ['ghost-weekly', 'notified'],
    ]);
    expect(JSON.parse(second.stdout)[0].record.status).toBe('duplicate');
    const mails = await Promise.all(outbox().map((f) => simpleParser(readFileSync(path.join(work, 'outbox', f)))));
    expect(
      mails.filter((m) => m.subject === 'Comportamento dos contatos · acme · 16/11/2026 – 22/11/2026'),
    ).toHaveLength(1);
    const failures = mails.filter((m) => m.subject?.startsWith('[Failed]'));
    expect(failures).toHaveLength(2); // once per run: admins hear of every run that failed for good
    expect(failures[0]!.text).toContain('unknown tenant "ghost"');
    expect(
      existsSync(path.join(work, 'archive/tenants/acme/reports/acme-weekly--2026-11-16_2026-11-22/report.html')),
    ).toBe(true);
  });

  it('runs nothing when nothing is due', async () => {
    const result = await schedules('2026-11-24T11:00:00Z', ['--quiet']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('refuses a subscriptions file that is missing or not JSON, naming it', async () => {
    writeFileSync(path.join(work, 'broken.json'), '{ not json');
    const missing = await cbr(['run-schedules', '--subscriptions', 'nope.json', '--data', lake], work);
    const broken = await cbr(['run-schedules', '--subscriptions', 'broken.json', '--data', lake], work);
    expect([missing.code, broken.code]).toEqual([2, 2]);
    expect(missing.stderr).toMatch(/cannot read the subscriptions file nope\.json/);
    expect(broken.stderr).toMatch(/the subscriptions file broken\.json is not valid JSON/);
  });

  it('refuses a malformed instant', async () => {
    const result = await schedules('next monday');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/invalid --at instant "next monday"/);
  });
});
