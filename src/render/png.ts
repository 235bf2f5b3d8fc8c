import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crc32, deflateSync } from 'node:zlib';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { interFontData, readAdvances } from './fonts.ts';

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
  const [regular, semibold] = interFontData().map(readAdvances);
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

let resvgReady: Promise<void> | undefined;
/**
 * resvg as WebAssembly: one build for every platform (x64 here, arm64 on Lambda), no native binary to
 * ship. It is compiled once per process, by V8 off the main thread: started before the first chart's
 * Vega layout, it is ready when that chart is. Text uses Inter from the TTF files (no system fonts).
 */
function loadResvg(): Promise<void> {
  if (!resvgReady) {
    const wasm = readFileSync(createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm'));
    resvgReady = initWasm(WebAssembly.compile(wasm));
    resvgReady.catch(() => undefined); // started ahead of use: svgToPng, which awaits it, reports a failure
  }
  return resvgReady;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/**
 * An 8-bit RGBA PNG, compressed by Node's native zlib. resvg's own encoder (asPng: deflate compiled to
 * WebAssembly) takes several times longer, and over 200 ms for the seven charts in a fresh process, before V8
 * has optimised it. Unfiltered rows at level 3 suit these flat-coloured charts: the files come out a little
 * smaller in total than resvg's, with the same pixels.
 */
function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const stride = width * 4;
  const rows = Buffer.alloc((stride + 1) * height); // each row: filter type 0 (none), then its pixels
  for (let y = 0; y < height; y++) rows.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const header = Buffer.alloc(13); // compression, filter method and interlace: 0
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 3 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** SVG → PNG with resvg: Inter only (no system fonts, as on Lambda), opaque white background. */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  await loadResvg();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: false, fontBuffers: interFontData(), defaultFontFamily: 'Inter' },
  });
  try {
    const image = resvg.render();
    try {
      // resvg's pixels are premultiplied by alpha; over the opaque background every pixel is opaque, so they
      // are the plain RGBA a PNG holds.
      return encodePng(image.width, image.height, image.pixels);
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/** Renders a chart spec: the PNG for the email, and its SVG and size. */
export async function renderChart(spec: TopLevelSpec, options: RenderOptions = {}): Promise<RenderedChart> {
  void loadResvg(); // the first time, compiles while Vega lays the chart out
  const svg = await renderSvg(spec);
  const png = await svgToPng(svg, options.scale ?? 2);
  return { svg, png, ...svgSize(svg) };
}
