// k6 soak: mixed traffic at a constant arrival rate for DURATION, so memory and file
// descriptors can be watched for growth (scripts/soak.sh samples them and judges the curve).
//
//   cat      POST /render of a random cat (drawn from /vocabulary)
//   png      GET /render.png of a random cat (Pixel Cat Maker query)
//   batch    POST /render/batch: a base cat and 4 variants, 2 frames per row
//   chunk    POST /render/chunk of a random 8×8 chunk, then GET its texture
//   texture  GET one of 50 fixed chunks' textures (a store hit, or a re-render)
//   bad      malformed JSON, unknown names, a wrong method, a bad hash: each a 4xx
//   health   GET /health
//
//   k6 run -e BASE_URL=http://127.0.0.1:8001 -e DURATION=30m scripts/soak/soak.js
import http from 'k6/http';
import { check } from 'k6';
import { Rate } from 'k6/metrics';
import { BASE, arrival, pick, randomCat as catParams, randomChunk, vocabulary } from '../k6/common.js';

const DURATION = __ENV.DURATION || '2m';
const SCALE = Number(__ENV.RATE_SCALE || 1);

const unexpected = new Rate('unexpected'); // a status the request's class should never get
const refused = new Rate('refused'); // 503: queue full (load shedding), allowed but rare

const scenario = (exec, rate) => arrival(exec, Math.max(1, Math.round(rate * SCALE)), DURATION);

export const options = {
  scenarios: {
    cat: scenario('cat', 20),
    png: scenario('png', 20),
    batch: scenario('batch', 2),
    chunk: scenario('chunk', 4),
    texture: scenario('texture', 8),
    bad: scenario('bad', 6),
    health: scenario('health', 2),
  },
  thresholds: {
    unexpected: ['rate<0.001'],
    refused: ['rate<0.05'],
    checks: ['rate>0.99'],
  },
};

export const setup = vocabulary;

// One metric series per kind of request, not per URL (texture and query URLs are unique).
const tagged = (name) => ({ headers: { 'Content-Type': 'application/json' }, tags: { name } });

// A plain cat (no tortie: /render.png's query carries only plain fields) at a random pose.
function randomCat(d) {
  return { ...catParams(d, { torties: false }), spriteNumber: Math.floor(Math.random() * d.poses) };
}

function expect(res, ok) {
  const good = ok.includes(res.status) || res.status === 503;
  unexpected.add(!good);
  refused.add(res.status === 503);
  check(res, { 'expected status': () => good });
}

export function cat(d) {
  expect(http.post(`${BASE}/render`, JSON.stringify({ payload: { params: randomCat(d) } }), tagged('render')), [200]);
}

export function png(d) {
  const c = randomCat(d);
  const q = Object.entries(c).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  expect(http.get(`${BASE}/render.png?${q}`, tagged('render.png')), [200]);
}

export function batch(d) {
  const variants = [0, 1, 2, 3].map((i) => ({ id: `v${i}`, overrides: { colour: pick(d.colours) } }));
  const body = { payload: { params: randomCat(d) }, variants, options: { tileSize: 100, columns: 2 } };
  expect(http.post(`${BASE}/render/batch`, JSON.stringify(body), tagged('batch')), [200]);
}

export function chunk(d) {
  const res = http.post(`${BASE}/render/chunk`, JSON.stringify(randomChunk(d)), tagged('chunk'));
  expect(res, [200]);
  if (res.status === 200) {
    expect(http.get(`${BASE}${res.json('textureUrl')}`, tagged('texture')), [200]);
  }
}

// 50 fixed chunks (the same on every VU), posted once per VU and then fetched again and
// again: store hits, and re-renders from the recipe once the chunk scenario evicted them.
const known = {};

function fixedLayer(seed, d) {
  let x = seed + 1;
  return Array.from({ length: 64 }, () => {
    x = (x * 48271) % 2147483647;
    return d.tiles[x % d.tiles.length];
  });
}

export function texture(d) {
  const seed = Math.floor(Math.random() * 50);
  if (!known[seed]) {
    const body = { tileset: d.tileset, width: 8, height: 8, tileSize: 16, layers: [fixedLayer(seed, d)] };
    const res = http.post(`${BASE}/render/chunk`, JSON.stringify(body), tagged('chunk'));
    expect(res, [200]);
    if (res.status === 200) known[seed] = res.json('textureUrl');
    return;
  }
  expect(http.get(`${BASE}${known[seed]}`, tagged('texture')), [200]);
}

export function bad(d) {
  switch (Math.floor(Math.random() * 6)) {
    case 0:
      expect(http.post(`${BASE}/render`, '{"payload": {', tagged('bad')), [400]);
      break;
    case 1:
      expect(http.post(`${BASE}/render`, JSON.stringify({ payload: { params: { peltName: 'Nope' } } }), tagged('bad')), [422]);
      break;
    case 2:
      expect(http.get(`${BASE}/render.png?peltName=Tabby&scale=99`, tagged('bad')), [422]);
      break;
    case 3:
      expect(http.del(`${BASE}/render`), [405]);
      break;
    case 4:
      expect(http.get(`${BASE}/textures/${Math.random() < 0.5 ? 'not-a-hash' : '0'.repeat(64)}.png`, tagged('bad')), [404]);
      break;
    default: {
      const body = { tileset: d.tileset, width: 999, height: 8, tileSize: 16, layers: [] };
      expect(http.post(`${BASE}/render/chunk`, JSON.stringify(body), tagged('bad')), [422]);
    }
  }
}

export function health() {
  expect(http.get(`${BASE}/health`), [200]);
}
