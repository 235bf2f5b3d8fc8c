import topology from '../../../templates/geo/brazil-states.topo.json' with { type: 'json' };

/** The vendored TopoJSON of Brazil's 27 states (see templates/geo/README.md); feature id = UF. */
export const BRAZIL_TOPOLOGY = topology;
export const BRAZIL_OBJECT = 'states';

/** State names as the map data spells them (proper nouns, the same in every locale). */
export const STATE_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  topology.objects.states.geometries.map((g) => [g.id, g.properties.name]),
);
