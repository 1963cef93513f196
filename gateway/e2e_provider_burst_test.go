package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/mockllm"
)

// TestTranslatedStreamsBurst: 40 concurrent streams through each translated
// kind (Anthropic's SSE, Bedrock's event stream) each get their own answer,
// the one the same prompt gets alone (the mock's text is a function of the
// prompt), never another stream's words or a torn chunk.
func TestTranslatedStreamsBurst(t *testing.T) {
	for _, kind := range []struct{ name, yaml, v, model string }{
		{"anthropic", anthropicYAML, "A", "claude"},
		{"bedrock", bedrockYAML, "B", "claude-br"},
	} {
		t.Run(kind.name, func(t *testing.T) {
			up := startProviderMock(t, mockllm.Options{MaxTokens: 16})
			base, _ := startGateway(t, kind.yaml, map[string]string{kind.v: up.url})
			c := newClient(base, "")
			const n = 40
			prompt := func(i int) string { return fmt.Sprintf("question %d: what is %d squared?", i, i) }
			want := make([]string, n)
			for i := range want {
				text, err := streamText(c, kind.model, prompt(i))
				if err != nil {
					t.Fatal(err)
				}
				want[i] = text
			}
			if want[0] == want[1] {
				t.Fatalf("the mock gave two prompts one answer (%q): the test would prove nothing", want[0])
			}
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					text, err := streamText(c, kind.model, prompt(i))
					if err == nil && text != want[i] {
						err = fmt.Errorf("stream %d: got %q, alone it got %q", i, text, want[i])
					}
					if err != nil {
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// streamText reads one chat stream's text; safe from any goroutine.
func streamText(c *openai.Client, model, prompt string) (string, error) {
	st, err := c.CreateChatCompletionStream(context.Background(), chatReq(model, prompt))
	if err != nil {
		return "", err
	}
	defer st.Close()
	var text strings.Builder
	for {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return text.String(), nil
		}
		if err != nil {
			return "", err
		}
		if len(r.Choices) > 0 {
			text.WriteString(r.Choices[0].Delta.Content)
		}
	}
}
