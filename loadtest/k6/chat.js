// k6: non-streaming chat completions against Tollgate (or any
// OpenAI-compatible endpoint).
//   k6 run -e BASE=http://127.0.0.1:8080 -e KEY=sk-... loadtest/k6/chat.js
//   k6 run -e RATE=1000 -e DURATION=30s loadtest/k6/chat.js     # open loop
// RATE set: constant-arrival-rate (RATE requests/s, what users feel: added
// latency at a fixed load); unset: VUS closed-loop users (throughput).
// STREAM=1 sends streaming requests (loadtest/k6/stream.js reports them
// better). k6 is not installed by the repository (see docs/benchmarks.md).
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const base = __ENV.BASE || 'http://127.0.0.1:8080';
const stream = __ENV.STREAM === '1';
const rate = Number(__ENV.RATE || 0);
const duration = __ENV.DURATION || '15s';
const ttfb = new Trend('tollgate_ttfb_ms', true);
const tags = { kind: stream ? 'chat-stream' : 'chat' };

export const options = {
  scenarios: {
    chat: rate > 0
      ? { executor: 'constant-arrival-rate', rate, timeUnit: '1s', duration,
          preAllocatedVUs: Number(__ENV.VUS || 20), maxVUs: Number(__ENV.MAX_VUS || 200), tags }
      : { executor: 'constant-vus', vus: Number(__ENV.VUS || 50), duration, tags },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    [`http_req_duration{kind:${tags.kind}}`]: [`p(99)<${Number(__ENV.P99_MS || 250)}`],
    checks: ['rate>0.99'],
  },
};

const body = JSON.stringify({
  model: __ENV.MODEL || 'mock-gpt',
  stream: stream,
  max_tokens: 16,
  messages: [{ role: 'user', content: 'Summarise the benefits of connection pooling in two sentences.' }],
});

export default function () {
  const headers = { 'Content-Type': 'application/json' };
  if (__ENV.KEY) headers['Authorization'] = `Bearer ${__ENV.KEY}`;
  const res = http.post(`${base}/v1/chat/completions`, body, { headers, tags });
  ttfb.add(res.timings.waiting, tags);
  check(res, {
    'status 200': (r) => r.status === 200,
    'has request id': (r) => !!r.headers['X-Request-Id'],
    'complete': (r) => (stream ? r.body.includes('[DONE]') : r.json('usage.total_tokens') > 0),
  }, tags);
}
