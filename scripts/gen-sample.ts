/** Generates a sample lake by hand: npx tsx scripts/gen-sample.ts --dir /tmp/lake [--scale 0.01] [--format ndjson] [--gzip] ... */
import { parseArgs } from 'node:util';
import { generateSampleLake } from '../src/sample/generate.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    seed: { type: 'string' },
    scale: { type: 'string' },
    end: { type: 'string' },
    months: { type: 'string' },
    format: { type: 'string' },
    gzip: { type: 'boolean' },
    tenants: { type: 'string' },
  },
});
if (!values.dir) {
  console.error(
    'usage: npx tsx scripts/gen-sample.ts --dir <lake> [--scale 0.01] [--seed 42] [--end YYYY-MM-DD] [--months 7] [--format parquet|ndjson] [--gzip] [--tenants a,b]',
  );
  process.exit(2);
}

const started = performance.now();
const result = await generateSampleLake({
  dir: values.dir,
  seed: values.seed === undefined ? undefined : Number(values.seed),
  scale: values.scale === undefined ? undefined : Number(values.scale),
  end: values.end,
  months: values.months === undefined ? undefined : Number(values.months),
  format: values.format as 'parquet' | 'ndjson' | undefined,
  gzip: values.gzip,
  tenants: values.tenants?.split(','),
  onProgress: (m) => console.error(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${m}`),
});
const seconds = +((performance.now() - started) / 1000).toFixed(1);
const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify({ ...result, seconds, peakRssMiB }, null, 2));
