package cache

import (
	"fmt"
	"strings"

	"github.com/tollgate-ai/tollgate/metering"
)

// request4KB is a chat request of about 4 KB: a system prompt, a few turns
// and a tool, as agents send them.
func request4KB() []byte {
	var b strings.Builder
	b.WriteString(`{"model":"gpt-4o","temperature":0,"max_tokens":256,"stream":true,"user":"u-17","messages":[`)
	b.WriteString(`{"role":"system","content":"You are a careful assistant for an internal support desk. Answer briefly, cite the runbook section you used, and never invent ticket numbers."}`)
	for i := 0; b.Len() < 3600; i++ {
		fmt.Fprintf(&b, `,{"role":"user","content":"Turn %d: the deploy of service %d failed with exit code 137 after the readiness probe timed out; what should I check first, and in which order?"}`, i, i)
		fmt.Fprintf(&b, `,{"role":"assistant","content":"Check memory limits (137 is an OOM kill), then the probe's initial delay, then recent config changes for service %d."}`, i)
	}
	b.WriteString(`],"tools":[{"type":"function","function":{"name":"lookup_runbook","parameters":{"type":"object","properties":{"section":{"type":"string"}},"required":["section"]}}}]}`)
	return []byte(b.String())
}

// answer2KB is a stored chat answer of about 2 KB.
func answer2KB() *Entry {
	text := strings.Repeat("Check the memory limit first: exit code 137 is the kernel's OOM kill. ", 28)
	body := `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"` +
		text + `"},"finish_reason":"stop"}],"usage":{"prompt_tokens":900,"completion_tokens":420,"total_tokens":1320}}`
	return &Entry{Kind: KindChat, Model: "gpt-4o", Usage: metering.Usage{PromptTokens: 900, CompletionTokens: 420}, Body: []byte(body)}
}
