// Screenshots of a report's page and email in headless Chromium: npx tsx scripts/screenshots.ts <report-folder> [out-folder]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../test/support/browser.ts';

const [folder, out = folder] = process.argv.slice(2);
if (!folder) throw new Error('usage: npx tsx scripts/screenshots.ts <report-folder> [out-folder]');
const browser = await launchChromium();
for (const [file, width] of [
  ['report.html', 1280],
  ['email.html', 680],
] as const) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(pathToFileURL(path.resolve(folder, file)).href);
  await page.waitForLoadState('load');
  await page.waitForTimeout(500);
  const shot = path.resolve(out!, `${file.replace('.html', '')}-screenshot.png`);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(shot);
}
await browser.close();
