package gateway_test

import (
	"testing"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/valyala/fasthttp/fasthttputil"
)

// noopStage implements every hook and changes nothing: what the stage
// contract itself costs a request.
type noopStage struct{ name string }

var (
	_ gateway.RequestInspector  = noopStage{}
	_ gateway.DecisionApplier   = noopStage{}
	_ gateway.Answerer          = noopStage{}
	_ gateway.StreamInspector   = noopStage{}
	_ gateway.ResponseInspector = noopStage{}
	_ gateway.Finisher          = noopStage{}
)

func (s noopStage) Name() string                                                     { return s.name }
func (noopStage) InspectRequest(_ gateway.View, f []policy.Finding) []policy.Finding { return f }
func (noopStage) ApplyDecision(gateway.View, *policy.Decision) *gateway.APIError     { return nil }
func (noopStage) Answer(gateway.View) *gateway.Answer                                { return nil }
func (noopStage) InspectStream(gateway.View) gateway.StreamFilter                    { return passFilter{} }
func (noopStage) InspectResponse(_ gateway.View, body []byte) ([]byte, *gateway.APIError) {
	return body, nil
}
func (noopStage) Finish(gateway.View, []byte) {}

type passFilter struct{}

func (passFilter) Event(ev []byte, out *gateway.Events) *gateway.APIError { out.Emit(ev); return nil }
func (passFilter) Flush(*gateway.Events) *gateway.APIError                { return nil }

// BenchmarkPipeline compares the gateway without stages and with three
// stages that implement every hook and do nothing, in-process.
func BenchmarkPipeline(b *testing.B) {
	build := func(b *testing.B, st gateway.Stages) *fasthttputil.InmemoryListener {
		cfg := parseConfig(b, `
upstreams: [{name: mock, kind: mock}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
`, nil)
		gw, err := gateway.New(cfg, gateway.Options{Stages: st, Mock: inProcessMock})
		if err != nil {
			b.Fatal(err)
		}
		ln := serveInMemory(b, gw)
		return ln
	}
	none := build(b, gateway.Stages{})
	three := build(b, gateway.Stages{Filters: noopStage{"filters"}, Evals: noopStage{"evals"}, Cache: noopStage{"cache"}})
	streamBody := append([]byte(`{"stream":true,`), benchChat[1:]...)
	b.Run("no-stages/chat", func(b *testing.B) { benchPost(b, inmemClient(none), benchChat, false, "") })
	b.Run("three-noop-stages/chat", func(b *testing.B) { benchPost(b, inmemClient(three), benchChat, false, "") })
	b.Run("no-stages/stream", func(b *testing.B) { benchPost(b, inmemClient(none), streamBody, true, "") })
	b.Run("three-noop-stages/stream", func(b *testing.B) { benchPost(b, inmemClient(three), streamBody, true, "") })
}
