import { readFileSync } from 'node:fs';
import type { ReportMetrics } from '../../src/core/report.types.ts';

/** The hand-made busy week and empty period of the chart golden files. */
export function goldenMetrics(name: 'busy-week' | 'empty-period'): ReportMetrics {
  return JSON.parse(
    readFileSync(new URL(`../golden/charts/${name}/metrics.json`, import.meta.url), 'utf8'),
  ) as ReportMetrics;
}
