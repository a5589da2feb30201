// What the k6 scripts share (render-load-test.js, soak/soak.js): the constant-arrival-rate
// scenario, the service's own vocabulary read once in setup(), and random requests drawn
// from it.
import http from 'k6/http';
import { fail } from 'k6';

export const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8001';

// `rate` requests per second of `exec` for `duration`, with enough VUs to keep the rate.
export function arrival(exec, rate, duration) {
  return {
    executor: 'constant-arrival-rate',
    exec,
    rate,
    timeUnit: '1s',
    duration,
    preAllocatedVUs: Math.max(2, Math.ceil(rate / 4)),
    maxVUs: Math.max(8, rate * 2),
  };
}

// The allowed names, from GET /vocabulary, for setup() to hand every VU.
export function vocabulary() {
  const res = http.get(`${BASE}/vocabulary`);
  if (res.status !== 200) {
    fail(`GET /vocabulary answered ${res.status}; is the renderer at ${BASE}?`);
  }
  const v = res.json();
  const ts = v.tilesets.find((t) => t.name === 'terrain') || v.tilesets[0];
  return {
    pelts: v.peltName,
    colours: v.colour,
    eyes: v.eyeColour,
    skins: v.skinColour,
    tints: v.tint,
    patches: v.whitePatches,
    tortieBases: v.tortieBase,
    tortieMasks: v.tortieMask,
    poses: v.spriteNumber.max + 1,
    tileset: ts.name,
    tiles: ts.ground || ts.tiles,
  };
}

export const pick = (list) => list[Math.floor(Math.random() * list.length)];

// A random cat's CatGenerator parameters. With `torties`, a tortie or calico also gets its
// second pelt (the service answers 422 naming the field otherwise); without, none is drawn
// (for Pixel Cat Maker queries, which carry only the plain fields).
export function randomCat(d, { torties = true } = {}) {
  const pelts = torties ? d.pelts : d.pelts.filter((p) => p !== 'Tortie' && p !== 'Calico');
  const params = {
    peltName: pick(pelts),
    colour: pick(d.colours),
    eyeColour: pick(d.eyes),
    skinColour: pick(d.skins),
    tint: pick(d.tints),
    whitePatches: pick(d.patches),
    shading: Math.random() < 0.5,
  };
  if (params.peltName === 'Tortie' || params.peltName === 'Calico') {
    params.tortieBase = pick(d.tortieBases);
    params.tortiePattern = pick(d.tortieBases);
    params.tortieColour = pick(d.colours);
    params.tortieMask = pick(d.tortieMasks);
  }
  return params;
}

// A random 8×8 chunk of one ground layer, 16 px tiles.
export function randomChunk(d) {
  const layer = Array.from({ length: 64 }, () => pick(d.tiles));
  return { tileset: d.tileset, width: 8, height: 8, tileSize: 16, layers: [layer] };
}
