package gateway_test

import (
	"fmt"
	"testing"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// relayedYAML: an OpenAI-compatible upstream, whose SSE events the gateway
// relays as they are (gateway/stream_body.go), not translated.
const relayedYAML = `
upstreams:
  - {name: oa, kind: openai, base_url: "{{O}}/v1"}
models:
  - {name: gpt, deployments: [{upstream: oa}], retry: {attempts: 1}}
`

// TestStreamsBurst: 40 concurrent streams through each translated
// kind (Anthropic's SSE, Bedrock's event stream), and relayed from an
// OpenAI-compatible upstream, each get their own answer,
// the one the same prompt gets alone (the mock's text is a function of the
// prompt), never another stream's words or a torn chunk.
func TestStreamsBurst(t *testing.T) {
	for _, kind := range []struct{ name, yaml, v, model string }{
		{"anthropic", anthropicYAML, "A", "claude"},
		{"bedrock", bedrockYAML, "B", "claude-br"},
		{"openai", relayedYAML, "O", "gpt"},
	} {
		t.Run(kind.name, func(t *testing.T) {
			up := startProviderMock(t, mockllm.Options{MaxTokens: 16})
			base, _ := startGateway(t, kind.yaml, map[string]string{kind.v: up.url})
			c := newClient(base, "")
			const n = 40
			prompt := func(i int) string { return fmt.Sprintf("question %d: what is %d squared?", i, i) }
			want := make([]string, n)
			for i := range want {
				text, _, err := streamChatModel(c, kind.model, prompt(i))
				if err != nil {
					t.Fatal(err)
				}
				want[i] = text
			}
			if want[0] == want[1] {
				t.Fatalf("the mock gave two prompts one answer (%q): the test would prove nothing", want[0])
			}
			concurrently(t, n, func(i int) error {
				text, _, err := streamChatModel(c, kind.model, prompt(i))
				if err == nil && text != want[i] {
					err = fmt.Errorf("stream %d: got %q, alone it got %q", i, text, want[i])
				}
				return err
			})
		})
	}
}
