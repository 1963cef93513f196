package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/valyala/fasthttp"
)

// callLog records hook calls across stages, in order.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(s string) {
	l.mu.Lock()
	l.calls = append(l.calls, s)
	l.mu.Unlock()
}

// take returns the calls so far and starts a new list.
func (l *callLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

// testStage implements every hook: it logs each call and runs the
// function a test set for it (nil passes through).
type testStage struct {
	name     string
	log      *callLog
	inspect  func(v gateway.View, f []policy.Finding) []policy.Finding
	apply    func(v gateway.View, d *policy.Decision) *gateway.APIError
	answer   func(v gateway.View) *gateway.Answer
	filter   func(v gateway.View) gateway.StreamFilter
	response func(v gateway.View, body []byte) ([]byte, *gateway.APIError)
	finish   func(v gateway.View, body []byte)
}

var (
	_ gateway.RequestInspector  = (*testStage)(nil)
	_ gateway.DecisionApplier   = (*testStage)(nil)
	_ gateway.Answerer          = (*testStage)(nil)
	_ gateway.StreamInspector   = (*testStage)(nil)
	_ gateway.ResponseInspector = (*testStage)(nil)
	_ gateway.Finisher          = (*testStage)(nil)
)

func (s *testStage) Name() string { return s.name }

func (s *testStage) InspectRequest(v gateway.View, f []policy.Finding) []policy.Finding {
	s.log.add(s.name + ":inspect")
	if s.inspect != nil {
		return s.inspect(v, f)
	}
	return f
}

func (s *testStage) ApplyDecision(v gateway.View, d *policy.Decision) *gateway.APIError {
	s.log.add(s.name + ":apply")
	if s.apply != nil {
		return s.apply(v, d)
	}
	return nil
}

func (s *testStage) Answer(v gateway.View) *gateway.Answer {
	s.log.add(s.name + ":answer")
	if s.answer != nil {
		return s.answer(v)
	}
	return nil
}

func (s *testStage) InspectStream(v gateway.View) gateway.StreamFilter {
	s.log.add(s.name + ":stream")
	if s.filter != nil {
		return s.filter(v)
	}
	return nil
}

func (s *testStage) InspectResponse(v gateway.View, body []byte) ([]byte, *gateway.APIError) {
	s.log.add(s.name + ":response")
	if s.response != nil {
		return s.response(v, body)
	}
	return body, nil
}

func (s *testStage) Finish(v gateway.View, body []byte) {
	s.log.add(s.name + ":finish")
	if s.finish != nil {
		s.finish(v, body)
	}
}

// answerOnlyStage has no request hook but Answer: it enters a request only
// when it is asked to answer.
type answerOnlyStage struct {
	name string
	log  *callLog
}

func (s *answerOnlyStage) Name() string { return s.name }
func (s *answerOnlyStage) Answer(gateway.View) *gateway.Answer {
	s.log.add(s.name + ":answer")
	return nil
}
func (s *answerOnlyStage) Finish(gateway.View, []byte) { s.log.add(s.name + ":finish") }

// stagesGateway serves model "m" from a capturing upstream with st (and
// the policy rego, when not empty), a ledger and the tokenizer.
func stagesGateway(t *testing.T, st gateway.Stages, rego string) (base, ledgerDir string, up *switchable) {
	t.Helper()
	if rego != "" {
		st.Policy = regoPolicy(t, rego)
	}
	upURL, up := startSwitchable(t)
	base, ledgerDir, _ = guardedGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models: [{name: m, deployments: [{upstream: u, model: mock-gpt}]}]
`, map[string]string{"U": upURL}, st)
	return base, ledgerDir, up
}

// ledgerRecordN waits for the n-th ledger record (1-based) and returns it.
func ledgerRecordN(t *testing.T, dir string, n int) metering.Record {
	t.Helper()
	waitFor(t, "the ledger record", func() bool { return len(readLedger(dir)) >= n })
	return readLedger(dir)[n-1]
}

const findingsPolicy = `package tollgate

default decision := {"allow": true}

found(kind) if {
	some f in input.findings
	f.kind == kind
}

decision := {"allow": false, "reasons": [{"code": "secret_in_prompt", "message": "the prompt holds a secret"}]} if found("secret")

decision := {"allow": true, "redact": ["email"]} if {
	found("email")
	not found("secret")
}
`

// reqState is the filter stage's per-request state, from request
// inspection to Finish.
type reqState struct{ sawBody string }

// TestStageInspectDecideApply: request inspection sees the body before the
// policy, and its findings reach the policy input (a secret is denied, an
// email redacted); the applier acts on the decision and the upstream gets
// the redacted body; Finish sees the client's answer and the state kept
// since inspection; the stage's note reaches the ledger record.
func TestStageInspectDecideApply(t *testing.T) {
	log := &callLog{}
	var finished []string
	var mu sync.Mutex
	f := &testStage{name: "filters", log: log,
		inspect: func(v gateway.View, f []policy.Finding) []policy.Finding {
			body := string(v.Body())
			v.SetState(&reqState{sawBody: body})
			if strings.Contains(body, "sk-secret") {
				f = append(f, policy.Finding{Kind: "secret", Score: 1, Count: 1})
			}
			if strings.Contains(body, "@example.com") {
				f = append(f, policy.Finding{Kind: "email", Score: 1, Count: 1})
			}
			return f
		},
		apply: func(v gateway.View, d *policy.Decision) *gateway.APIError {
			if slices.Contains(d.Redact, "email") {
				v.SetBody(bytes.ReplaceAll(v.Body(), []byte("bob@example.com"), []byte("[email]")))
				v.Note("redacted:email")
			}
			return nil
		},
		finish: func(v gateway.View, body []byte) {
			st, _ := v.State().(*reqState)
			mu.Lock()
			defer mu.Unlock()
			if st == nil {
				finished = append(finished, "no state")
				return
			}
			finished = append(finished, st.sawBody+" => "+string(body))
		},
	}
	base, dir, up := stagesGateway(t, gateway.Stages{Filters: f}, findingsPolicy)
	c := newClient(base, "")

	resp, err := c.CreateChatCompletion(context.Background(), chatReq("m", "mail bob@example.com please"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(up.lastReq.Load().body)
	if !strings.Contains(got, "mail [email] please") || strings.Contains(got, "bob@") {
		t.Fatalf("the upstream got %s", got)
	}
	rec := ledgerRecordN(t, dir, 1)
	if rec.Stages["filters"] != "redacted:email" || rec.AnsweredBy != "" || rec.Status != 200 {
		t.Fatalf("ledger record: %+v", rec)
	}
	mu.Lock()
	if len(finished) != 1 || !strings.Contains(finished[0], "bob@example.com") || !strings.Contains(finished[0], `"id":"`+resp.ID+`"`) {
		t.Fatalf("Finish saw %q (answer id %s)", finished, resp.ID)
	}
	mu.Unlock()
	log.take()

	hits := up.hits.Load()
	_, err = c.CreateChatCompletion(context.Background(), chatReq("m", "my key is sk-secret-123"))
	apiErr(t, err, 403, "secret_in_prompt")
	if up.hits.Load() != hits {
		t.Fatal("a denied request reached the upstream")
	}
	if calls := log.take(); !slices.Equal(calls, []string{"filters:inspect", "filters:finish"}) {
		t.Fatalf("a request the policy denied: calls %q", calls)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(finished) != 2 || !strings.Contains(finished[1], "sk-secret") {
		t.Fatalf("the denied request's Finish saw %q: the state must round-trip there too", finished)
	}
}

const cachedAnswer = `{"id":"cached-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"from cache"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`

// sliceSource replays recorded events.
type sliceSource struct {
	events []string
	closed atomic.Bool
}

func (s *sliceSource) Next() ([]byte, error) {
	if len(s.events) == 0 {
		return nil, io.EOF
	}
	ev := s.events[0]
	s.events = s.events[1:]
	return []byte(ev), nil
}

func (s *sliceSource) Close() { s.closed.Store(true) }

func chunk(content string) string {
	return `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"` +
		content + `"},"finish_reason":null}]}` + "\n\n"
}

// TestStageAnswerShortCircuits: a stage's answer (buffered, then streamed
// from a recorded source) reaches the client while the upstream gets
// nothing, and the ledger record names the stage; the entered stages'
// response hooks still run over the answer.
func TestStageAnswerShortCircuits(t *testing.T) {
	log := &callLog{}
	var src atomic.Pointer[sliceSource]
	cache := &testStage{name: "cache", log: log, answer: func(v gateway.View) *gateway.Answer {
		v.Note("hit")
		if v.Stream() {
			s := &sliceSource{events: []string{chunk("re"), chunk("played"), "data: [DONE]\n\n"}}
			src.Store(s)
			return &gateway.Answer{Events: s}
		}
		return &gateway.Answer{Body: []byte(cachedAnswer), Headers: map[string]string{"X-Cache": "hit", "Content-Length": "1", "x-request-id": "forged"},
			Usage: metering.Usage{PromptTokens: 3, CompletionTokens: 2}}
	}}
	var relayed atomic.Int32
	filters := &testStage{name: "filters", log: log, filter: func(gateway.View) gateway.StreamFilter {
		return filterFunc(func(ev []byte, out *gateway.Events) *gateway.APIError {
			relayed.Add(1)
			out.Emit(ev)
			return nil
		})
	}}
	base, dir, up := stagesGateway(t, gateway.Stages{Filters: filters, Cache: cache}, "")
	c := newClient(base, "")

	resp, err := c.CreateChatCompletion(context.Background(), chatReq("m", "hi"))
	if err != nil || resp.ID != "cached-1" || resp.Choices[0].Message.Content != "from cache" || resp.Header().Get("X-Cache") != "hit" ||
		!strings.HasPrefix(resp.Header().Get("X-Request-Id"), "tg-") {
		t.Fatalf("%+v %v", resp, err)
	}
	rec := ledgerRecordN(t, dir, 1)
	if rec.AnsweredBy != "cache" || rec.Stages["cache"] != "hit" || rec.PromptTokens != 3 || rec.CompletionTokens != 2 ||
		rec.CostPicos != 0 || rec.Status != 200 || rec.ModelServed != "" || rec.Deployment != "" {
		t.Fatalf("ledger record of a stage's answer: %+v", rec)
	}
	want := []string{"filters:inspect", "cache:inspect", "filters:apply", "cache:apply", "filters:answer", "cache:answer",
		"cache:response", "filters:response", "cache:finish", "filters:finish"}
	if calls := log.take(); !slices.Equal(calls, want) {
		t.Fatalf("calls\n got %q\nwant %q", calls, want)
	}

	req := chatReq("m", "hi")
	req.Stream = true
	stream, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for {
		r, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		text += r.Choices[0].Delta.Content
	}
	stream.Close()
	if text != "replayed" || relayed.Load() != 2 {
		t.Fatalf("streamed answer %q; the filter saw %d events", text, relayed.Load())
	}
	if rec := ledgerRecordN(t, dir, 2); rec.AnsweredBy != "cache" || rec.Status != 200 {
		t.Fatalf("ledger record of a streamed stage answer: %+v", rec)
	}
	waitFor(t, "the source closed", func() bool { return src.Load().closed.Load() })
	if up.hits.Load() != 0 {
		t.Fatalf("the upstream got %d requests; the stage answered them all", up.hits.Load())
	}
}

// filterFunc is a StreamFilter from a function; Flush emits nothing.
type filterFunc func(ev []byte, out *gateway.Events) *gateway.APIError

func (f filterFunc) Event(ev []byte, out *gateway.Events) *gateway.APIError { return f(ev, out) }
func (f filterFunc) Flush(*gateway.Events) *gateway.APIError                { return nil }

// windowFilter holds back a window of two events and upper-cases their
// content; Flush releases what it holds.
type windowFilter struct {
	held    [][]byte
	mu      sync.Mutex
	emitted []int // events emitted per call
}

func (w *windowFilter) Event(ev []byte, out *gateway.Events) *gateway.APIError {
	w.held = append(w.held, bytes.ReplaceAll(ev, []byte(`"content":"`), []byte(`"content":"UP-`)))
	if len(w.held) > 2 {
		out.Emit(w.held[0])
		w.held = w.held[1:]
	}
	w.mu.Lock()
	w.emitted = append(w.emitted, out.Len())
	w.mu.Unlock()
	return nil
}

func (w *windowFilter) Flush(out *gateway.Events) *gateway.APIError {
	for _, ev := range w.held {
		out.Emit(ev)
	}
	w.mu.Lock()
	w.emitted = append(w.emitted, out.Len())
	w.mu.Unlock()
	return nil
}

// postStream posts a streamed chat request and returns the raw body.
func postStream(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Post(base+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v %s", resp.StatusCode, err, b)
	}
	return string(b)
}

// TestStageStreamFilter: a stream filter holds events back and rewrites
// them (the client gets exactly what it emitted, flushed before [DONE]),
// and cuts a stream with an error event (no [DONE]).
func TestStageStreamFilter(t *testing.T) {
	log := &callLog{}
	var win atomic.Pointer[windowFilter]
	var cut atomic.Bool
	st := &testStage{name: "filters", log: log, filter: func(gateway.View) gateway.StreamFilter {
		if cut.Load() {
			return filterFunc(func(ev []byte, out *gateway.Events) *gateway.APIError {
				if bytes.Contains(ev, []byte(`"content":"c"`)) {
					return &gateway.APIError{Status: 400, Type: "invalid_request_error", Code: "content_filtered", Message: "blocked output"}
				}
				out.Emit(ev)
				return nil
			})
		}
		w := &windowFilter{}
		win.Store(w)
		return w
	}}
	base, dir, up := stagesGateway(t, gateway.Stages{Filters: st}, "")
	upstream := chunk("a") + chunk("b") + chunk("c") + chunk("d") + "data: [DONE]\n\n"
	up.sse.Store(&upstream)

	up2 := func(s string) string { return strings.ReplaceAll(s, `"content":"`, `"content":"UP-`) }
	want := up2(chunk("a")+chunk("b")+chunk("c")+chunk("d")) + "data: [DONE]\n\n"
	if got := postStream(t, base); got != want {
		t.Fatalf("client got\n%s\nwant\n%s", got, want)
	}
	w := win.Load()
	w.mu.Lock()
	if !slices.Equal(w.emitted, []int{0, 0, 1, 1, 2}) {
		t.Fatalf("events emitted per call %v: the window held nothing back", w.emitted)
	}
	w.mu.Unlock()

	cut.Store(true)
	got := postStream(t, base)
	wantCut := chunk("a") + chunk("b") + `data: {"error":{"message":"blocked output","type":"invalid_request_error","code":"content_filtered","param":null}}` + "\n\n"
	if got != wantCut {
		t.Fatalf("cut stream: client got\n%s\nwant\n%s", got, wantCut)
	}
	if rec := ledgerRecordN(t, dir, 2); rec.Status != 400 || rec.ModelServed != "m" {
		t.Fatalf("ledger record of a cut stream: %+v", rec)
	}
}

// TestStageResponseInspection: a buffered answer is replaced (Finish sees
// the replacement) or withheld with the stage's error.
func TestStageResponseInspection(t *testing.T) {
	log := &callLog{}
	var mu sync.Mutex
	var seen []byte
	var refuse atomic.Bool
	st := &testStage{name: "filters", log: log,
		response: func(_ gateway.View, body []byte) ([]byte, *gateway.APIError) {
			if refuse.Load() {
				return nil, &gateway.APIError{Status: 451, Type: "invalid_request_error", Code: "answer_withheld", Message: "withheld"}
			}
			return bytes.ReplaceAll(body, []byte(`"object":"chat.completion"`), []byte(`"object":"inspected"`)), nil
		},
		finish: func(_ gateway.View, body []byte) { mu.Lock(); seen = append(seen[:0], body...); mu.Unlock() },
	}
	base, _, _ := stagesGateway(t, gateway.Stages{Filters: st}, "")
	c := newClient(base, "")
	resp, err := c.CreateChatCompletion(context.Background(), chatReq("m", "hi"))
	mu.Lock()
	if err != nil || resp.Object != "inspected" || !bytes.Contains(seen, []byte(`"object":"inspected"`)) {
		t.Fatalf("%+v %v; Finish saw %s", resp, err, seen)
	}
	mu.Unlock()
	refuse.Store(true)
	_, err = c.CreateChatCompletion(context.Background(), chatReq("m", "hi"))
	apiErr(t, err, 451, "answer_withheld")
}

// TestStageHookOrder: request hooks run in stage order, response hooks in
// reverse and only for the stages that entered the request: a stage whose
// only request hook is Answer, after the stage that answered, sees nothing.
func TestStageHookOrder(t *testing.T) {
	log := &callLog{}
	var answer atomic.Bool
	answer.Store(true)
	filters := &testStage{name: "filters", log: log}
	evals := &testStage{name: "evals", log: log, answer: func(gateway.View) *gateway.Answer {
		if answer.Load() {
			return &gateway.Answer{Body: []byte(cachedAnswer)}
		}
		return nil
	}}
	cache := &answerOnlyStage{name: "cache", log: log}
	base, _, up := stagesGateway(t, gateway.Stages{Filters: filters, Evals: evals, Cache: cache}, "")
	c := newClient(base, "")

	if _, err := c.CreateChatCompletion(context.Background(), chatReq("m", "hi")); err != nil {
		t.Fatal(err)
	}
	want := []string{"filters:inspect", "evals:inspect", "filters:apply", "evals:apply", "filters:answer", "evals:answer",
		"evals:response", "filters:response", "evals:finish", "filters:finish"}
	if calls := log.take(); !slices.Equal(calls, want) || up.hits.Load() != 0 {
		t.Fatalf("answered by evals: calls\n got %q\nwant %q", calls, want)
	}

	answer.Store(false)
	if _, err := c.CreateChatCompletion(context.Background(), chatReq("m", "hi")); err != nil {
		t.Fatal(err)
	}
	want = []string{"filters:inspect", "evals:inspect", "filters:apply", "evals:apply", "filters:answer", "evals:answer",
		"cache:answer", "evals:response", "filters:response", "cache:finish", "evals:finish", "filters:finish"}
	if calls := log.take(); !slices.Equal(calls, want) {
		t.Fatalf("answered upstream: calls\n got %q\nwant %q", calls, want)
	}

	req := chatReq("m", "hi")
	req.Stream = true
	stream, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := stream.Recv(); err != nil {
			break
		}
	}
	stream.Close()
	waitFor(t, "the stream's Finish", func() bool {
		log.mu.Lock()
		defer log.mu.Unlock()
		return slices.Contains(log.calls, "filters:finish")
	})
	want = []string{"filters:inspect", "evals:inspect", "filters:apply", "evals:apply", "filters:answer", "evals:answer",
		"cache:answer", "evals:stream", "filters:stream", "cache:finish", "evals:finish", "filters:finish"}
	if calls := log.take(); !slices.Equal(calls, want) {
		t.Fatalf("streamed: calls\n got %q\nwant %q", calls, want)
	}
}

// TestStageNamesMustDiffer: two stages under one name would share a ledger
// note and a /ui section.
func TestStageNamesMustDiffer(t *testing.T) {
	log := &callLog{}
	_, err := gateway.New(parseConfig(t, `
upstreams: [{name: u, kind: openai, base_url: "http://127.0.0.1:1/v1"}]
models: [{name: m, deployments: [{upstream: u}]}]
`, nil), gateway.Options{Stages: gateway.Stages{Filters: &testStage{name: "x", log: log}, Cache: &testStage{name: "x", log: log}}})
	if err == nil || !strings.Contains(err.Error(), "taken") {
		t.Fatalf("want an error naming the taken name, got %v", err)
	}
}

// uiStage shows a section on the ops page.
type uiStage struct{}

var _ gateway.UISection = uiStage{}

func (uiStage) Name() string   { return "cache" }
func (uiStage) UISection() any { return map[string]int{"entries": 7} }

// TestStageUISection: a stage's UISection is served on /ui under the
// stage's name.
func TestStageUISection(t *testing.T) {
	cfg := parseConfig(t, `
upstreams: [{name: u, kind: openai, base_url: "http://127.0.0.1:1/v1"}]
models: [{name: m, deployments: [{upstream: u}]}]
`, nil)
	hr, err := health.New(gateway.HealthOptions(cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hr.Close)
	if _, err := gateway.New(cfg, gateway.Options{Stages: gateway.Stages{Health: hr, Cache: uiStage{}}}); err != nil {
		t.Fatal(err)
	}
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/ui/data.json")
	hr.ServeUI(&ctx)
	var d struct {
		Sources     map[string]map[string]int `json:"sources"`
		SourceOrder []string                  `json:"source_order"`
	}
	if err := json.Unmarshal(ctx.Response.Body(), &d); err != nil || d.Sources["cache"]["entries"] != 7 {
		t.Fatalf("%v: %s", err, ctx.Response.Body())
	}
}

// TestStagePanicOnHandlerIsRecovered (issue 10 item 14, for stages on the
// handler): a request hook's panic answers 500 internal_error, the request
// is recorded once with that status, and the gateway keeps serving.
func TestStagePanicOnHandlerIsRecovered(t *testing.T) {
	log := &callLog{}
	st := &testStage{name: "filters", log: log, inspect: func(v gateway.View, f []policy.Finding) []policy.Finding {
		if bytes.Contains(v.Body(), []byte("boom")) {
			panic("injected stage failure")
		}
		return f
	}}
	base, dir, _ := stagesGateway(t, gateway.Stages{Filters: st}, "")
	c := newClient(base, "")
	_, err := c.CreateChatCompletion(context.Background(), chatReq("m", "boom"))
	apiErr(t, err, 500, "internal_error")
	if rec := ledgerRecordN(t, dir, 1); rec.Status != 500 {
		t.Fatalf("ledger record of a panicked request: %+v", rec)
	}
	if _, err := c.CreateChatCompletion(context.Background(), chatReq("m", "hi")); err != nil {
		t.Fatalf("the gateway stopped serving after a stage panicked: %v", err)
	}
	if rec := ledgerRecordN(t, dir, 2); rec.Status != 200 || len(readLedger(dir)) != 2 {
		t.Fatalf("records %+v", readLedger(dir))
	}
}

// TestStagePanicInFinishStillAccounts: a Finish that panics is counted, and
// the request is still accounted (its ledger record written).
func TestStagePanicInFinishStillAccounts(t *testing.T) {
	log := &callLog{}
	st := &testStage{name: "evals", log: log, finish: func(gateway.View, []byte) { panic("injected stage failure") }}
	base, dir, _ := stagesGateway(t, gateway.Stages{Evals: st}, "")
	series := `tollgate_panics_total{where="handler"}`
	before := counterValue(t, series)
	if _, err := newClient(base, "").CreateChatCompletion(context.Background(), chatReq("m", "hi")); err != nil {
		t.Fatal(err)
	}
	if rec := ledgerRecordN(t, dir, 1); rec.Status != 200 {
		t.Fatalf("ledger record: %+v", rec)
	}
	if got := counterValue(t, series); got != before+1 {
		t.Fatalf("%s = %v, want %v", series, got, before+1)
	}
}

// liveSource sends one event, then blocks like a coalesced follower whose
// leader is silent, until Close.
type liveSource struct {
	sent   bool
	done   chan struct{}
	closed atomic.Int32
}

func (s *liveSource) Next() ([]byte, error) {
	if !s.sent {
		s.sent = true
		return []byte(chunk("first")), nil
	}
	<-s.done
	return nil, errors.New("source closed")
}

func (s *liveSource) Close() {
	if s.closed.Add(1) == 1 {
		close(s.done)
	}
}

// TestStageLiveSourceClosedWhenClientLeaves: a client that hangs up while a
// stage's live source is silent closes the source (once), and the request
// is recorded as the client's cancel.
func TestStageLiveSourceClosedWhenClientLeaves(t *testing.T) {
	src := &liveSource{done: make(chan struct{})}
	cache := &testStage{name: "cache", log: &callLog{}, answer: func(gateway.View) *gateway.Answer {
		return &gateway.Answer{Events: src}
	}}
	base, dir, _ := stagesGateway(t, gateway.Stages{Cache: cache}, "")
	readFirstEventThenHangUp(t, base+"/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`, "live")
	waitFor(t, "the source closed", func() bool { return src.closed.Load() == 1 })
	if rec := ledgerRecordN(t, dir, 1); rec.AnsweredBy != "cache" || rec.Flags&metering.FlagClientAborted == 0 {
		t.Fatalf("ledger record: %+v", rec)
	}
}
