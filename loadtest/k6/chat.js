// k6 load script for Tollgate (or any OpenAI-compatible endpoint).
//   k6 run -e BASE=http://127.0.0.1:8080 -e KEY=sk-... -e STREAM=1 loadtest/k6/chat.js
// Build k6 with: go install go.k6.io/k6@v1.8.1
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const base = __ENV.BASE || 'http://127.0.0.1:8080';
const stream = __ENV.STREAM === '1';
const ttfb = new Trend('tollgate_ttfb_ms', true);

export const options = {
  scenarios: {
    chat: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 50),
      duration: __ENV.DURATION || '15s',
    },
  },
  thresholds: { http_req_failed: ['rate<0.01'] },
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
  const res = http.post(`${base}/v1/chat/completions`, body, { headers });
  ttfb.add(res.timings.waiting);
  check(res, {
    'status 200': (r) => r.status === 200,
    'has request id': (r) => !!r.headers['X-Request-Id'],
    'complete': (r) => (stream ? r.body.includes('[DONE]') : r.json('usage.total_tokens') > 0),
  });
}
