import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-wasm';
import type { TopLevelSpec } from 'vega-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCharts, type ChartSpec } from '../src/render/charts/index.ts';
import { interFontFiles } from '../src/render/fonts.ts';
import { i18n } from '../src/render/i18n.ts';
import { renderChart, renderSvg, type RenderedChart } from '../src/render/png.ts';
import { goldenMetrics } from './support/sample-metrics.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Bitmap {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  pixels: Buffer;
}

/** Decodes the 8-bit RGBA, non-interlaced PNGs resvg writes: enough to look at the pixels we send. */
function decodePng(png: Buffer): Bitmap {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  let offset = 8;
  let width = 0;
  let height = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect([body[8], body[9], body[12]]).toEqual([8, 6, 0]); // 8 bits, RGBA, not interlaced
    }
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * 4;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? pixels[y * stride + x - 4]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4]! : 0;
      const paeth = () => {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      };
      const predictor = [0, a, b, (a + b) >> 1, filter === 4 ? paeth() : 0][filter ?? 0] ?? 0;
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** Pixels that differ (any channel by more than 32) inside a rectangle. */
function differingPixels(a: Bitmap, b: Bitmap, box = { x: 0, y: 0, width: a.width, height: a.height }): number {
  let count = 0;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const at = (y * a.width + x) * 4;
      for (let k = 0; k < 4; k++) {
        if (Math.abs(a.pixels[at + k]! - b.pixels[at + k]!) > 32) {
          count++;
          break;
        }
      }
    }
  }
  return count;
}

describe('renderChart', () => {
  const rendered: { chart: ChartSpec; result: RenderedChart }[] = [];

  beforeAll(async () => {
    const charts = [
      ...buildCharts(goldenMetrics('busy-week'), i18n('pt-BR')),
      ...buildCharts(goldenMetrics('empty-period'), i18n('en')),
    ];
    for (const chart of charts) rendered.push({ chart, result: await renderChart(chart.spec) });
  });

  it('renders every chart to a PNG at twice its size, at most 560 px wide', () => {
    expect(rendered).toHaveLength(14);
    for (const { chart, result } of rendered) {
      const bitmap = decodePng(result.png);
      expect(result.width, chart.id).toBeGreaterThan(400);
      expect(result.width, chart.id).toBeLessThanOrEqual(560);
      expect(Math.abs(bitmap.width - 2 * result.width), chart.id).toBeLessThanOrEqual(1);
      expect(Math.abs(bitmap.height - 2 * result.height), chart.id).toBeLessThanOrEqual(1);
      expect(result.svg).toMatch(/^<svg/);
    }
  });

  it('fills the single-view charts to exactly 560 px', () => {
    for (const { chart, result } of rendered) if (chart.id !== 'contacts-by-state') expect(result.width).toBe(560);
  });

  it('paints an opaque background (dark-mode mail clients show no transparency)', () => {
    for (const { chart, result } of rendered) {
      const { pixels } = decodePng(result.png);
      let transparent = 0;
      for (let k = 3; k < pixels.length; k += 4) if (pixels[k] !== 255) transparent++;
      expect(transparent, chart.id).toBe(0);
      expect([...pixels.subarray(0, 4)], chart.id).toEqual([255, 255, 255, 255]);
    }
  });

  it('honours another scale', async () => {
    const chart = rendered[0]!;

    const result = await renderChart(chart.chart.spec, { scale: 1 });

    expect(decodePng(result.png).width).toBe(result.width);
  });

  it('renders all seven charts quickly once warm', async () => {
    const charts = buildCharts(goldenMetrics('busy-week'), i18n('en'));
    for (const chart of charts) await renderChart(chart.spec);

    const started = performance.now();
    for (const chart of charts) await renderChart(chart.spec);
    const elapsed = performance.now() - started;

    // About 0.3 s on an idle 2-core machine; generous here so a busy CI runner does not flake.
    expect(elapsed).toBeLessThan(3000);
  });
});

describe('text in the PNG', () => {
  const spec = (text: string): TopLevelSpec => ({
    width: 200,
    height: 60,
    background: 'white',
    config: { font: 'Inter', view: { stroke: null } },
    data: { values: [{ text }] },
    mark: { type: 'text', x: 100, y: 30, fontSize: 24, align: 'center', baseline: 'middle', color: 'black' },
    encoding: { text: { field: 'text' } },
  });
  /** The band the 24 px label occupies, in PNG pixels at 2× (Vega pads the 60 px view by 5 px). */
  const band = (image: Bitmap) => ({ x: 0, y: 2 * (5 + 30) - 30, width: image.width, height: 60 });

  it('draws the text: with and without the label the pixels differ where the label goes', async () => {
    const withText = decodePng((await renderChart(spec('Enviadas 12.480'))).png);
    const withoutText = decodePng((await renderChart(spec(''))).png);

    expect(differingPixels(withText, withoutText, band(withText))).toBeGreaterThan(1500);
    expect(differingPixels(withText, withoutText)).toBe(differingPixels(withText, withoutText, band(withText)));
  });

  it('would catch a missing font: resvg without font files draws no text at all', async () => {
    const svg = await renderSvg(spec('Enviadas 12.480'));
    const blank = decodePng((await renderChart(spec(''))).png); // also initialises resvg's wasm
    const noFonts = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: 2 },
      background: 'white',
      font: { loadSystemFonts: false },
    });

    expect(differingPixels(decodePng(Buffer.from(noFonts.render().asPng())), blank)).toBe(0);
  });

  it('finds the Inter TTF files without system fonts', () => {
    const files = interFontFiles();

    expect(files.map((f) => path.basename(f))).toEqual(['Inter_400Regular.ttf', 'Inter_600SemiBold.ttf']);
  });
});
