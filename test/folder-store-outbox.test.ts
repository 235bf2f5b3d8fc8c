import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { contentTypeOf } from '../src/core/report-store.port.ts';
import { FolderReportStore } from '../src/local/folder-report-store.ts';
import { OutboxMailer } from '../src/local/outbox-mailer.ts';

/** Every file under a folder, as '/'-separated relative paths, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

const INVALID_KEYS = ['', '/abs/key.json', 'a/../b.json', '..', 'a//b.json', 'a/', './a.json', 'a\\b.json', 'a\nb'];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'folder-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FolderReportStore', () => {
  it('round-trips text and binary, overwrites, and leaves no temporary files', async () => {
    const store = new FolderReportStore({ root: dir });
    const binary = randomBytes(50_000);
    await store.put('t1/2025-01/metrics.json', '{"olá":1}', contentTypeOf('metrics.json'));
    await store.put('t1/2025-01/charts/volume.png', binary, contentTypeOf('volume.png'));
    expect((await store.get('t1/2025-01/metrics.json'))?.toString()).toBe('{"olá":1}');
    expect((await store.get('t1/2025-01/charts/volume.png'))?.equals(binary)).toBe(true);

    await store.put('t1/2025-01/metrics.json', '{"v":2}', contentTypeOf('metrics.json'));
    expect((await store.get('t1/2025-01/metrics.json'))?.toString()).toBe('{"v":2}');
    expect(await readFile(path.join(dir, 't1', '2025-01', 'metrics.json'), 'utf8')).toBe('{"v":2}');
    expect(await filesUnder(dir)).toEqual(['t1/2025-01/charts/volume.png', 't1/2025-01/metrics.json']);
  });

  it('returns null for a missing key, a folder, or a path through a file', async () => {
    const store = new FolderReportStore({ root: dir });
    await store.put('t1/a.json', '{}', 'application/json');
    expect(await store.get('t1/missing.json')).toBeNull();
    expect(await store.get('t1')).toBeNull();
    expect(await store.get('t1/a.json/deeper')).toBeNull();
    expect(await new FolderReportStore({ root: path.join(dir, 'nowhere') }).get('x.json')).toBeNull();
  });

  it('lists by plain string prefix, in key order, with sizes and times, hiding in-progress writes', async () => {
    const store = new FolderReportStore({ root: dir });
    await store.put('t2/2025-02/report.html', '<p>hi</p>', 'text/html');
    await store.put('t2/2025-02/data/b.csv', 'a,b\n1,2\n', 'text/csv');
    await store.put('t2/2025-02/data/a.csv', 'a\n', 'text/csv');
    await store.put('t2/2025-03/metrics.json', '{}', 'application/json');
    await store.put('t20/2025-02/metrics.json', '{}', 'application/json');
    await writeFile(path.join(dir, 't2', '2025-02', '.report.html.0123456789abcdef.partial'), 'half');

    const listed = await store.list('t2/2025-02/');
    expect(listed.map((o) => o.key)).toEqual([
      't2/2025-02/data/a.csv',
      't2/2025-02/data/b.csv',
      't2/2025-02/report.html',
    ]);
    expect(listed.map((o) => o.size)).toEqual([2, 8, 9]);
    expect(listed.every((o) => o.lastModified instanceof Date && o.lastModified.getTime() > 0)).toBe(true);

    expect((await store.list('t2/')).map((o) => o.key)).toHaveLength(4); // not t20/
    expect((await store.list('t2/2025-0')).map((o) => o.key)).toHaveLength(4);
    expect((await store.list('t2')).map((o) => o.key)).toHaveLength(5); // 't2' matches 't20/...' too, as in S3
    expect((await store.list('')).map((o) => o.key)).toHaveLength(5);
    expect(await store.list('t9/')).toEqual([]);
  });

  it('readers never see a half-written object while it is overwritten', async () => {
    const store = new FolderReportStore({ root: dir });
    const a = Buffer.alloc(2_000_000, 0x61);
    const b = Buffer.alloc(1_000_000, 0x62);
    await store.put('big.csv', a, 'text/csv');
    let reading = true;
    const reads: Promise<void>[] = [];
    const reader = async () => {
      while (reading) {
        const got = await store.get('big.csv');
        expect(got?.equals(a) || got?.equals(b)).toBe(true);
      }
    };
    reads.push(reader(), reader());
    for (let i = 0; i < 20; i++) await store.put('big.csv', i % 2 ? a : b, 'text/csv');
    reading = false;
    await Promise.all(reads);
    expect(await filesUnder(dir)).toEqual(['big.csv']);
  });

  it('a failed write leaves neither the target nor a temporary file', async () => {
    const store = new FolderReportStore({ root: dir });
    await store.put('t1/report.html', 'x', 'text/html');
    await expect(store.put('t1/report.html/inner.json', '{}', 'application/json')).rejects.toThrow();
    await expect(store.put('t1', 'x', 'text/plain')).rejects.toThrow(); // a folder is there
    expect(await filesUnder(dir)).toEqual(['t1/report.html']);
  });

  it('putIfAbsent is exclusive: of concurrent callers exactly one wins, and its bytes stay', async () => {
    const store = new FolderReportStore({ root: dir });
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => store.putIfAbsent('runs/r1.json', `{"writer":${i}}`, 'application/json')),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect((await store.get('runs/r1.json'))?.toString()).toBe(`{"writer":${winner}}`);
    expect(await store.putIfAbsent('runs/r1.json', '{"late":true}', 'application/json')).toBe(false);
    expect((await store.get('runs/r1.json'))?.toString()).toBe(`{"writer":${winner}}`);
    expect(await filesUnder(dir)).toEqual(['runs/r1.json']);
  });

  it('putIfAbsent after put sees the existing object', async () => {
    const store = new FolderReportStore({ root: dir });
    await store.put('runs/r2.json', 'first', 'application/json');
    expect(await store.putIfAbsent('runs/r2.json', 'second', 'application/json')).toBe(false);
    expect(await store.putIfAbsent('runs/r3.json', 'third', 'application/json')).toBe(true);
    expect((await store.get('runs/r2.json'))?.toString()).toBe('first');
  });

  it('readUrl gives a file:// URL of the object', async () => {
    const store = new FolderReportStore({ root: dir });
    await store.put('t1/2025-01/report.html', '<h1>r</h1>', 'text/html');
    const url = await store.readUrl('t1/2025-01/report.html', 3600);
    expect(url.startsWith('file://')).toBe(true);
    expect(await readFile(fileURLToPath(url), 'utf8')).toBe('<h1>r</h1>');
    await expect(store.readUrl('t1/2025-01/report.html', 0)).rejects.toThrow(InputError);
  });

  it('refuses invalid keys (and temporary-file names) with a clear error, touching nothing', async () => {
    const store = new FolderReportStore({ root: dir });
    for (const key of INVALID_KEYS) {
      await expect(store.put(key, 'x', 'text/plain'), key).rejects.toThrow(/invalid report key/);
      await expect(store.get(key), key).rejects.toThrow(InputError);
      await expect(store.putIfAbsent(key, 'x', 'text/plain'), key).rejects.toThrow(/invalid report key/);
      await expect(store.readUrl(key, 60), key).rejects.toThrow(/invalid report key/);
    }
    await expect(store.put('../escape.json', '{}', 'application/json')).rejects.toThrow(/'\.\.' segments/);
    await expect(store.put('a/.b.json.0123456789abcdef.partial', 'x', 'text/plain')).rejects.toThrow(/reserved/);
    await expect(store.list('a//')).rejects.toThrow(/invalid report key prefix/);
    expect(await filesUnder(dir)).toEqual([]);
  });
});

describe('OutboxMailer', () => {
  const MESSAGE = Buffer.from('From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n');

  it('writes each message as <ISO time>-<id>.eml and returns that name as the id', async () => {
    const outbox = path.join(dir, 'outbox');
    const mailer = new OutboxMailer({ outbox, now: () => new Date('2025-03-01T12:00:00.123Z') });
    const first = await mailer.sendRaw(MESSAGE, { from: 'a@example.com', to: ['b@example.com'] });
    const second = await mailer.sendRaw(Buffer.from('other'), { from: 'a@example.com', to: ['b@example.com'] });
    expect(first.messageId).toMatch(/^2025-03-01T120000\.123Z-[0-9a-f]{8}$/);
    expect(second.messageId).not.toBe(first.messageId);
    expect(await readFile(path.join(outbox, `${first.messageId}.eml`))).toEqual(MESSAGE);
    expect(await filesUnder(outbox)).toEqual([`${first.messageId}.eml`, `${second.messageId}.eml`].sort());
  });

  it('names sort by time with the real clock, and no temporary file is left', async () => {
    const mailer = new OutboxMailer({ outbox: dir });
    const before = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await mailer.sendRaw(MESSAGE, { from: 'a@example.com', to: ['b@example.com'] })).messageId);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect([...ids].sort()).toEqual(ids);
    const firstTime = Date.parse((ids[0] ?? '').slice(0, 22).replace(/T(\d\d)(\d\d)(\d\d)/, 'T$1:$2:$3'));
    expect(firstTime).toBeGreaterThanOrEqual(before);
    expect(firstTime).toBeLessThanOrEqual(Date.now());
    expect(await filesUnder(dir)).toEqual(ids.map((id) => `${id}.eml`));
  });

  it('refuses an empty recipient list', async () => {
    const mailer = new OutboxMailer({ outbox: dir });
    await expect(mailer.sendRaw(MESSAGE, { from: 'a@example.com', to: [] })).rejects.toThrow(/recipient list is empty/);
    expect(await filesUnder(dir)).toEqual([]);
  });
});
