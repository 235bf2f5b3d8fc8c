import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Inter (SIL OFL 1.1), the charts' only font: regular for labels, semibold for emphasis. */
export const INTER_FILES = ['Inter_400Regular.ttf', 'Inter_600SemiBold.ttf'] as const;

export class ChartFontsNotFoundError extends Error {
  constructor(searched: string[]) {
    super(`Inter TTF files (${INTER_FILES.join(', ')}) not found in: ${searched.join(', ')}`);
    this.name = 'ChartFontsNotFoundError';
  }
}

/** Where the TTF files may be: the repository's templates/fonts (also copied beside a bundle), then the npm package. */
function candidateDirs(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dirs = [
    path.resolve(here, '../../templates/fonts'), // src/render/fonts.ts in the repository
    path.resolve(here, 'templates/fonts'), // a bundle with templates/ copied beside it
    path.resolve(here, 'fonts'),
    path.resolve('templates/fonts'), // the working directory
  ];
  try {
    const require = createRequire(import.meta.url);
    dirs.push(path.dirname(path.dirname(require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'))));
  } catch {
    // The package is optional at run time: the vendored copy is enough.
  }
  return dirs;
}

function filesIn(dir: string): string[] {
  // The npm package keeps each weight in its own folder (400Regular/Inter_400Regular.ttf).
  return INTER_FILES.map((file) => {
    const flat = path.join(dir, file);
    return existsSync(flat) ? flat : path.join(dir, file.replace(/^Inter_(\w+)\.ttf$/, '$1'), file);
  });
}

let cached: string[] | undefined;

/** Absolute paths of the Inter TTF files resvg must load (it draws no text without a usable font). */
export function interFontFiles(): string[] {
  if (cached) return cached;
  const dirs = candidateDirs();
  for (const dir of dirs) {
    const files = filesIn(dir);
    if (files.every((f) => existsSync(f))) return (cached = files);
  }
  throw new ChartFontsNotFoundError(dirs);
}

let data: Buffer[] | undefined;

/** The bytes of the Inter TTF files, read once per process: text measurement and resvg share them. */
export function interFontData(): Buffer[] {
  data ??= interFontFiles().map((file) => readFileSync(file));
  return data;
}

/** Horizontal advance of each character of a TrueType font, in em units (kerning ignored). */
export interface FontAdvances {
  /** Advance width of a code point in em; the font's default glyph for characters it lacks. */
  advance(codePoint: number): number;
}

function table(font: Buffer, tag: string): number {
  const count = font.readUInt16BE(4);
  for (let k = 0; k < count; k++) {
    const record = 12 + 16 * k;
    if (font.toString('latin1', record, record + 4) === tag) return font.readUInt32BE(record + 8);
  }
  throw new Error(`TrueType table ${tag} missing`);
}

/** The glyph of a code point from a cmap format 4 subtable (the Basic Multilingual Plane). */
function format4Lookup(font: Buffer, at: number): (codePoint: number) => number {
  const segments = font.readUInt16BE(at + 6) / 2;
  const ends = at + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  return (codePoint) => {
    for (let s = 0; s < segments; s++) {
      if (codePoint > font.readUInt16BE(ends + 2 * s)) continue;
      const start = font.readUInt16BE(starts + 2 * s);
      if (codePoint < start) return 0;
      const delta = font.readInt16BE(deltas + 2 * s);
      const rangeOffset = font.readUInt16BE(rangeOffsets + 2 * s);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      const glyph = font.readUInt16BE(rangeOffsets + 2 * s + rangeOffset + 2 * (codePoint - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

/** Reads advance widths straight from a TTF (cmap format 4, hhea, hmtx), so layout can use the real font. */
export function readAdvances(font: Buffer): FontAdvances {
  const unitsPerEm = font.readUInt16BE(table(font, 'head') + 18);
  const hmetrics = font.readUInt16BE(table(font, 'hhea') + 34);
  const hmtx = table(font, 'hmtx');
  const cmap = table(font, 'cmap');
  let glyphOf: ((codePoint: number) => number) | undefined;
  for (let k = 0; k < font.readUInt16BE(cmap + 2); k++) {
    const platform = font.readUInt16BE(cmap + 4 + 8 * k);
    const encoding = font.readUInt16BE(cmap + 6 + 8 * k);
    const at = cmap + font.readUInt32BE(cmap + 8 + 8 * k);
    if ((platform === 3 && encoding === 1) || platform === 0) {
      if (font.readUInt16BE(at) === 4) {
        glyphOf = format4Lookup(font, at);
        break;
      }
    }
  }
  if (!glyphOf) throw new Error('TrueType cmap format 4 missing');
  const lookup = glyphOf;
  const cache = new Map<number, number>();
  return {
    advance(codePoint) {
      let width = cache.get(codePoint);
      if (width === undefined) {
        const glyph = lookup(codePoint);
        width = font.readUInt16BE(hmtx + 4 * Math.min(glyph, hmetrics - 1)) / unitsPerEm;
        cache.set(codePoint, width);
      }
      return width;
    },
  };
}
