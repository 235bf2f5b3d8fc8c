import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, so the page's CSP, which forbids
 * injected scripts, stays on) and returns the serious and critical violations: WCAG 2.x A/AA and best practice.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: unknown[] }> } }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations as { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Every request the context's pages make whose origin is not `origin` (none are allowed). */
export function recordForeignRequests(context: BrowserContext, origin: string): string[] {
  const foreign: string[] = [];
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  return foreign;
}

/** The development sign-in, as a user does it: the form, then the console's first screen. */
export async function signInLocally(
  page: Page,
  baseUrl: string,
  who: { tenantId: string; profile: 'ADMIN' | 'OPERATOR'; email: string },
): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel(/Conta \(tenant\)|Account \(tenant\)/).fill(who.tenantId);
  await page.getByLabel(/^Perfil$|^Profile$/).selectOption(who.profile);
  await page.getByLabel(/^Email$/).fill(who.email);
  await page.locator('form.sign-in button[type=submit]').click();
  await page.locator('[data-testid=identity]').waitFor();
}
