import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import type { ReportFiles } from '../core/report-files.ts';

/** The file every report folder holds: a folder with it may be replaced by a newer report. */
export const REPORT_MARKER = 'metrics.json';

/** Only an empty folder or an earlier report (it holds metrics.json) may be replaced: never someone's files. */
async function assertReplaceable(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new InputError(`the output path ${dir} is a file, not a folder`);
    throw error;
  }
  if (entries.length && !entries.includes(REPORT_MARKER)) {
    throw new InputError(`refusing to replace ${dir}: it is not empty and holds no earlier report (${REPORT_MARKER})`);
  }
}

/**
 * Writes a report folder all at once: files go to a hidden sibling folder that replaces the target only
 * when every file is written, so a failure never leaves a half-written report behind.
 */
export async function writeReportFolder(target: string, files: ReportFiles): Promise<string> {
  const dir = path.resolve(target);
  await assertReplaceable(dir);
  const parent = path.dirname(dir);
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const staging = path.join(parent, `.${path.basename(dir)}.tmp-${suffix}`);
  const previous = path.join(parent, `.${path.basename(dir)}.old-${suffix}`);
  await mkdir(parent, { recursive: true });
  try {
    for (const [name, content] of files) {
      const file = path.join(staging, name);
      if (!file.startsWith(staging + path.sep)) throw new Error(`report file name escapes the folder: ${name}`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    let replaced = false;
    try {
      await rename(dir, previous);
      replaced = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      await rename(staging, dir);
    } catch (error) {
      if (replaced) await rename(previous, dir);
      throw error;
    }
    if (replaced) await rm(previous, { recursive: true, force: true });
    return dir;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
