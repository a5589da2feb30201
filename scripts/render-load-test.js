// k6 load test of the renderer: ramps to 40 virtual users rendering varied cats, with a
// separate /health probe scenario. Thresholds: render p95, error rate, health p99.
//   k6 run -e BASE_URL=http://127.0.0.1:8001 scripts/render-load-test.js
import http from 'k6/http';
import { check } from 'k6';
import { Rate, Trend } from 'k6/metrics';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8001';
const COLOURS = ['WHITE', 'SILVER', 'GREY', 'BLACK', 'CREAM', 'GINGER', 'DARKGINGER', 'LILAC', 'BROWN', 'CHOCOLATE'];
const PELTS = ['Tabby', 'SingleColour', 'Marbled', 'Speckled', 'Mackerel', 'Classic'];

const rejected = new Rate('render_rejected');   // 503s: the queue or breaker refusing
const failed = new Rate('render_failed');       // anything else that is not 200
const healthLatency = new Trend('health_latency', true);

export const options = {
  scenarios: {
    render: {
      executor: 'ramping-vus',
      exec: 'render',
      startVUs: 0,
      stages: [
        { duration: '20s', target: 10 },
        { duration: '20s', target: 40 },
        { duration: '40s', target: 40 },
        { duration: '10s', target: 0 },
      ],
    },
    health: {
      executor: 'constant-arrival-rate',
      exec: 'health',
      rate: 5,
      timeUnit: '1s',
      duration: '90s',
      preAllocatedVUs: 2,
    },
  },
  thresholds: {
    'http_req_duration{scenario:render}': ['p(95)<50'],
    render_failed: ['rate<0.01'],
    render_rejected: ['rate<0.05'],
    health_latency: ['p(99)<10'],
  },
};

export function render() {
  const i = Math.floor(Math.random() * 1e6);
  const pose = i % 21;
  const colour = COLOURS[i % COLOURS.length];
  const pelt = PELTS[Math.floor(i / 21) % PELTS.length];
  if (i % 2 === 0) {
    const res = http.get(`${BASE}/render.png?peltName=${pelt}&colour=${colour}&spriteNumber=${pose}&shading=true`);
    record(res, 'image/png');
  } else {
    const body = JSON.stringify({ payload: { spriteNumber: pose, params: { peltName: pelt, colour } } });
    const res = http.post(`${BASE}/render`, body, { headers: { 'Content-Type': 'application/json' } });
    record(res, 'application/json');
  }
}

function record(res, type) {
  rejected.add(res.status === 503);
  failed.add(res.status !== 200 && res.status !== 503);
  check(res, {
    'status 200 or 503': (r) => r.status === 200 || r.status === 503,
    'content type': (r) => r.status !== 200 || (r.headers['Content-Type'] || '').startsWith(type),
    '503 has Retry-After': (r) => r.status !== 503 || r.headers['Retry-After'] !== undefined,
  });
}

export function health() {
  const res = http.get(`${BASE}/health`);
  healthLatency.add(res.timings.duration);
  check(res, { 'health 200': (r) => r.status === 200 && r.json('status') !== undefined });
}
