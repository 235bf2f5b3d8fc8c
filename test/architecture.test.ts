import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, folderGraph } from '../scripts/import-graph.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

/** The boundary errors ESLint reports for `code` as if it were the file `file` (relative to the project root). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message);
}

describe('the dependency rule', () => {
  it('refuses a back-import from core into an adapter', async () => {
    const errors = await boundaryErrors(
      'src/core/probe.ts',
      "import { FolderReportStore } from '../local/folder-report-store.ts';\nexport const probe = FolderReportStore;\n",
    );
    expect(errors).toEqual([
      'There is no policy allowing dependencies from elements of type "core" to elements of type "local"',
    ]);
  });

  it('refuses an adapter importing the other adapter', async () => {
    const errors = await boundaryErrors(
      'src/aws/probe.ts',
      "import { OutboxMailer } from '../local/outbox-mailer.ts';\nexport const probe = OutboxMailer;\n",
    );
    expect(errors).toEqual([
      'There is no policy allowing dependencies from elements of type "aws" to elements of type "local"',
    ]);
  });

  it('refuses runtime code importing infra, and infra importing anything but core', async () => {
    const fromApi = await boundaryErrors(
      'src/api/probe.ts',
      "import { SUBSCRIPTIONS } from '../../infra/subscriptions.ts';\nexport const probe = SUBSCRIPTIONS;\n",
    );
    const fromInfra = await boundaryErrors(
      'infra/probe.ts',
      "import { i18n } from '../src/render/i18n.ts';\nexport const probe = i18n;\n",
    );
    expect(fromApi).toEqual([
      'There is no policy allowing dependencies from elements of type "api" to elements of type "infra"',
    ]);
    expect(fromInfra).toEqual([
      'There is no policy allowing dependencies from elements of type "infra" to elements of type "render"',
    ]);
  });

  it('allows imports that point inwards', async () => {
    const fromAws = await boundaryErrors(
      'src/aws/probe.ts',
      "import { assertValidKey } from '../core/archive-layout.ts';\nexport const probe = assertValidKey;\n",
    );
    const fromInfra = await boundaryErrors(
      'infra/probe.ts',
      "import { LOCALES } from '../src/core/locale.ts';\nexport const probe = LOCALES;\n",
    );
    expect(fromAws).toEqual([]);
    expect(fromInfra).toEqual([]);
  });

  it('holds for the whole project, with no folder-level cycle', async () => {
    const results = await eslint.lintFiles(['src', 'infra', 'lambdas']);
    const violations = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === 'boundaries/dependencies')
        .map((m) => `${path.relative(ROOT, r.filePath)}:${m.line} ${m.message}`),
    );
    expect(violations).toEqual([]);
    expect(cycles(folderGraph())).toEqual([]);
  });
});
