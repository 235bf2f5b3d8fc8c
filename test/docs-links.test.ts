import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve('.');
const DOCS = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The relative targets of a markdown file's `[text](target)` links (web addresses and anchors left out). */
function links(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'));
}

describe('documentation links', () => {
  it('README and docs/ link to the data contract, the metrics and the metrics.json format inside the project', () => {
    const readme = links('README.md');
    expect(readme).toEqual(expect.arrayContaining(['docs/data-contract.md', 'docs/metrics.md', 'docs/report-json.md']));
  });

  it.each(DOCS)('every relative link of %s points to a file of the clone', (file) => {
    for (const target of links(file)) {
      const resolved = path.resolve(path.dirname(file), target.split('#')[0]!);
      expect(resolved.startsWith(ROOT + path.sep), `${file} links outside the project: ${target}`).toBe(true);
      expect(existsSync(resolved), `${file} links to a missing file: ${target}`).toBe(true);
    }
  });
});
