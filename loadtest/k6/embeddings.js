// k6: embeddings. INPUTS distinct texts are cycled (default 50), so after
// the first round the response cache answers (embeddings are always cached
// when the cache is on); INPUTS=0 makes every input unique (no hits).
//   k6 run -e BASE=http://127.0.0.1:8080 -e KEY=sk-... -e RATE=500 loadtest/k6/embeddings.js
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

const base = __ENV.BASE || 'http://127.0.0.1:8080';
const rate = Number(__ENV.RATE || 500);
const inputs = Number(__ENV.INPUTS ?? 50);

export const options = {
  scenarios: {
    embeddings: { executor: 'constant-arrival-rate', rate, timeUnit: '1s', duration: __ENV.DURATION || '15s',
                  preAllocatedVUs: Number(__ENV.VUS || 20), maxVUs: Number(__ENV.MAX_VUS || 200), tags: { kind: 'embeddings' } },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{kind:embeddings}': [`p(99)<${Number(__ENV.P99_MS || 250)}`],
    checks: ['rate>0.99'],
  },
};

export default function () {
  const i = exec.scenario.iterationInTest;
  const n = inputs > 0 ? i % inputs : i;
  const body = JSON.stringify({ model: __ENV.MODEL || 'mock-gpt', input: `The quick brown fox number ${n} jumps over the lazy dog.` });
  const headers = { 'Content-Type': 'application/json' };
  if (__ENV.KEY) headers['Authorization'] = `Bearer ${__ENV.KEY}`;
  const res = http.post(`${base}/v1/embeddings`, body, { headers, tags: { kind: 'embeddings' } });
  check(res, {
    'status 200': (r) => r.status === 200,
    'one vector': (r) => r.json('data.0.embedding.#') > 0, // gjson: # is an array's length
  }, { kind: 'embeddings' });
}
