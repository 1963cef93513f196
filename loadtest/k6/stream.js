// k6: streaming chat completions. k6 reads a response whole, so the time to
// first token is taken as the time to first byte (timings.waiting: the
// response headers and first SSE event arrive together from Tollgate); the
// Go client loadtest/ttfb reads the events one by one for TTFT, inter-token
// latency and tokens/s.
//   k6 run -e BASE=http://127.0.0.1:8080 -e KEY=sk-... -e RATE=100 loadtest/k6/stream.js
import http from 'k6/http';
import { check } from 'k6';
import { Trend, Counter } from 'k6/metrics';

const base = __ENV.BASE || 'http://127.0.0.1:8080';
const rate = Number(__ENV.RATE || 100);
const ttft = new Trend('tollgate_stream_ttft_ms', true);
const streamTime = new Trend('tollgate_stream_duration_ms', true);
const events = new Counter('tollgate_stream_events');
const tags = { kind: 'stream' };

export const options = {
  scenarios: {
    stream: { executor: 'constant-arrival-rate', rate, timeUnit: '1s', duration: __ENV.DURATION || '15s',
              preAllocatedVUs: Number(__ENV.VUS || 20), maxVUs: Number(__ENV.MAX_VUS || 500), tags },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'tollgate_stream_ttft_ms{kind:stream}': [`p(99)<${Number(__ENV.TTFT_P99_MS || 250)}`],
    checks: ['rate>0.99'],
  },
};

const body = JSON.stringify({
  model: __ENV.MODEL || 'mock-gpt',
  stream: true,
  stream_options: { include_usage: true },
  max_tokens: Number(__ENV.MAX_TOKENS || 32),
  messages: [{ role: 'user', content: 'Explain how a token bucket rate limiter works.' }],
});

export default function () {
  const headers = { 'Content-Type': 'application/json' };
  if (__ENV.KEY) headers['Authorization'] = `Bearer ${__ENV.KEY}`;
  const res = http.post(`${base}/v1/chat/completions`, body, { headers, tags });
  ttft.add(res.timings.waiting, tags);
  streamTime.add(res.timings.waiting + res.timings.receiving, tags);
  const n = res.body ? (res.body.match(/^data: /gm) || []).length : 0;
  events.add(n, tags);
  check(res, {
    'status 200': (r) => r.status === 200,
    'event stream': (r) => (r.headers['Content-Type'] || '').startsWith('text/event-stream'),
    'ends with [DONE]': (r) => r.body.includes('data: [DONE]'),
    'reports usage': (r) => r.body.includes('"completion_tokens"'),
  }, tags);
}
