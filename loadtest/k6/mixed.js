// k6: the mixed workload, against a gateway running loadtest/k6/mixed.yaml
// (two tenants of the example policies, a key per team, a key limited to 60
// requests a minute, filters, cache, ledger). The mix, 20 slots (the same as
// the `mixed` scenario of loadtest/run, loadtest/scenario/mixed.go):
//   30 % chat-hit          acme research, one of 3 deterministic prompts: cache hits after the first
//   20 % chat-miss         globex, a unique deterministic prompt: a miss each time
//   10 % stream            acme support, a streaming chat
//   10 % embeddings        acme research, one of 5 inputs: cache hits after the first
//    5 % denied-pii        globex (pii: deny) sends an email address: 403 pii_detected by the policy
//    5 % denied-model      globex asks gpt-4o, not on its allowlist: 403 model_not_allowed
//    5 % filtered-blocked  a profane prompt: 400 content_filter (blocklist.*: deny)
//    5 % filtered-redacted an AWS key in the prompt: redacted, 200
//   10 % rate-limited      the key limited to 60/min: 200 then 429
// Every request is tagged kind:<name>; thresholds and checks split by kind.
//   k6 run -e BASE=http://127.0.0.1:8080 -e RATE=200 -e DURATION=30s loadtest/k6/mixed.js
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

const base = __ENV.BASE || 'http://127.0.0.1:8080';
const rate = Number(__ENV.RATE || 200);
const p99 = Number(__ENV.P99_MS || 250);

const ref = (i) => 'r' + String(i).padStart(6, '0'); // "r000069": a bare number can be a blocklisted word
const chat = (model, content, extra) => JSON.stringify(Object.assign(
  { model, max_tokens: 16, messages: [{ role: 'user', content }] }, extra || {}));

const kinds = [
  { name: 'chat-hit', share: 6, want: [200], key: 'sk-acme-research',
    body: (i) => chat('mock-gpt', `Summarise topic ${i % 3} of the handbook.`, { temperature: 0 }) },
  { name: 'chat-miss', share: 4, want: [200], key: 'sk-globex',
    body: (i) => chat('mock-gpt', `Draft reply number ${ref(i)} to the customer.`, { temperature: 0 }) },
  { name: 'stream', share: 2, want: [200], key: 'sk-acme-support',
    body: (i) => chat('mock-gpt', `Explain step ${ref(i)} of the setup.`, { stream: true }) },
  { name: 'embeddings', share: 2, want: [200], key: 'sk-acme-research', path: '/v1/embeddings',
    body: (i) => JSON.stringify({ model: 'mock-gpt', input: `The quick brown fox number ${i % 5} jumps over the lazy dog.` }) },
  { name: 'denied-pii', share: 1, want: [403], key: 'sk-globex',
    body: (i) => chat('mock-gpt', `Mail the report to jane.doe${ref(i)}@example.com today.`) },
  { name: 'denied-model', share: 1, want: [403], key: 'sk-globex',
    body: (i) => chat('gpt-4o', `Question ${ref(i)} for the big model.`) },
  { name: 'filtered-blocked', share: 1, want: [400], key: 'sk-acme-support',
    body: (i) => chat('mock-gpt', `You are a fucking idiot, ticket ${ref(i)}.`) },
  { name: 'filtered-redacted', share: 1, want: [200], key: 'sk-acme-support',
    body: (i) => chat('mock-gpt', `My key is AKIAIOSFODNN7EXAMPLE, ticket ${ref(i)}.`) },
  { name: 'rate-limited', share: 2, want: [200, 429], key: 'sk-globex-limited',
    body: (i) => chat('mock-gpt', `Quick check ${ref(i)}.`) },
];
const slots = kinds.reduce((n, k) => n + k.share, 0); // 20

// Thresholds per kind: each kind's checks all pass, and latency holds.
const thresholds = { checks: ['rate==1'] };
for (const k of kinds) {
  thresholds[`checks{kind:${k.name}}`] = ['rate==1'];
  thresholds[`http_req_duration{kind:${k.name}}`] = [`p(99)<${p99}`];
}

export const options = {
  scenarios: {
    mixed: { executor: 'constant-arrival-rate', rate, timeUnit: '1s', duration: __ENV.DURATION || '30s',
             preAllocatedVUs: Number(__ENV.VUS || 20), maxVUs: Number(__ENV.MAX_VUS || 200) },
  },
  thresholds,
};

// The expected 4xx of denials and limits are not failures here: each
// kind's status is checked instead.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 400, 403, 429));

export default function () {
  const i = exec.scenario.iterationInTest;
  let slot = i % slots;
  const k = kinds.find((k) => (slot -= k.share) < 0);
  const tags = { kind: k.name };
  const res = http.post(`${base}${k.path || '/v1/chat/completions'}`, k.body(i), {
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${k.key}` }, tags });
  check(res, {
    [`status in ${k.want}`]: (r) => k.want.includes(r.status),
    'OpenAI error shape when refused': (r) => r.status < 400 || !!r.json('error.code'),
  }, tags);
}
