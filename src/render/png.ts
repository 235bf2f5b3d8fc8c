import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { interFontFiles, readAdvances } from './fonts.ts';

export interface RenderedChart {
  svg: string;
  png: Buffer;
  /** CSS pixels (the SVG's size): use these for `<img width height>`; the PNG has `scale` times as many. */
  width: number;
  height: number;
}

export interface RenderOptions {
  /** Pixel density of the PNG; 2 (the default) stays sharp on high-density screens. */
  scale?: number;
}

interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
}
type TextWidth = (item: TextItem, text: unknown) => number;

let measuring = false;

/**
 * Without a canvas Vega guesses text widths (0.8 em per character, about 50% too wide for Inter),
 * which wastes room and truncates labels; measure with Inter's own advance widths instead, the
 * way vl-convert plugs in its font metrics. Labels Vega truncates (limit) are measured untruncated.
 */
function measureWithInter(): void {
  if (measuring) return;
  const [regular, semibold] = interFontFiles().map((file) => readAdvances(readFileSync(file)));
  if (!regular || !semibold) return;
  const metrics = (vega as unknown as { textMetrics: { width: TextWidth } }).textMetrics;
  metrics.width = (item, text) => {
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const weight = item.fontWeight === 'bold' ? 700 : Number(item.fontWeight) || 400;
    const font = weight >= 600 ? semibold : regular;
    let em = 0;
    for (const char of text == null ? '' : String(text).trim()) em += font.advance(char.codePointAt(0) ?? 0);
    return em * size;
  };
  measuring = true;
}

/** Vega-Lite → Vega → SVG (headless, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  measureWithInter();
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function svgSize(svg: string): { width: number; height: number } {
  const match = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  return { width: Number(match?.[1] ?? 0), height: Number(match?.[2] ?? 0) };
}

let resvgReady: Promise<Uint8Array[]> | undefined;
/**
 * resvg as WebAssembly: one build for every platform (x64 here, arm64 on Lambda), no native binary to
 * ship. It is initialised once per process, with Inter loaded from the TTF files (no system fonts).
 */
function loadResvg(): Promise<Uint8Array[]> {
  resvgReady ??= (async () => {
    const wasm = readFileSync(createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm'));
    await initWasm(wasm);
    return interFontFiles().map((file) => new Uint8Array(readFileSync(file)));
  })();
  return resvgReady;
}

/** SVG → PNG with resvg: Inter only (no system fonts, as on Lambda), opaque white background. */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const fontBuffers = await loadResvg();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: false, fontBuffers, defaultFontFamily: 'Inter' },
  });
  try {
    return Buffer.from(resvg.render().asPng());
  } finally {
    resvg.free();
  }
}

/** Renders a chart spec for the email (PNG) and the archived page (SVG). */
export async function renderChart(spec: TopLevelSpec, options: RenderOptions = {}): Promise<RenderedChart> {
  const svg = await renderSvg(spec);
  const png = await svgToPng(svg, options.scale ?? 2);
  return { svg, png, ...svgSize(svg) };
}
