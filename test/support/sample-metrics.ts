import { readFileSync } from 'node:fs';
import type { ReportMetrics } from '../../src/core/report.types.ts';

export type GoldenCase = 'busy-week' | 'empty-period';

/** The hand-made busy week and empty period of the chart golden files. */
export function goldenMetrics(name: GoldenCase): ReportMetrics {
  return JSON.parse(
    readFileSync(new URL(`../golden/charts/${name}/metrics.json`, import.meta.url), 'utf8'),
  ) as ReportMetrics;
}
