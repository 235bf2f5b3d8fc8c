import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../src/local/duckdb-engine.ts';
import { removeDir, tempDir, writeLake } from './support/lake-builder.ts';
import { contact } from './support/rows.ts';

describe('lake discovery', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));

  it('takes the newest contacts snapshot that holds data, not one still landing', async () => {
    const dir = await writeLake(
      tempDir(),
      { contacts: [contact('acme', '2026-11-22', 'k1', null, '2020-01-01T00:00:00Z')] },
      'parquet',
    );
    dirs.push(dir);
    const landing = path.join(dir, 'contacts/tenant_id=acme/dt=2026-11-23');
    mkdirSync(landing, { recursive: true });
    writeFileSync(path.join(landing, '_SUCCESS'), '');

    const engine = await DuckDbEngine.open({ lakeDir: dir }, 'acme');
    try {
      expect(await engine.newestSnapshot()).toBe('2026-11-22');
    } finally {
      await engine.close();
    }
  });
});
