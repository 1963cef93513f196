-- wrk script: a small non-streaming chat completion, the shape most
-- gateway traffic has. Usage: wrk -s loadtest/chat.lua URL
-- (loadtest/run direct-vs-gateway runs it when wrk is installed)
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
if os.getenv("TG_KEY") then
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TG_KEY")
end
wrk.body = '{"model":"mock-gpt","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}'

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d p50_ms=%.3f p99_ms=%.3f p90_ms=%.3f max_ms=%.3f\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(90) / 1000, latency.max / 1000))
end
