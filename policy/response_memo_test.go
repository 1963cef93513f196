package policy

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tollgate-ai/tollgate/policy/ireval"
)

// memoPair is the examples served twice: with the response memo and without.
func memoPair(t *testing.T) (memo, plain *Engine) {
	t.Helper()
	memo = openTB(t, Options{Dir: examplesDir})
	if memo.rev.Load().respMemo == nil {
		t.Fatalf("examples have no response memo: %s", memo.rev.Load().memoOff)
	}
	plain = openTB(t, Options{Dir: examplesDir})
	plain.rev.Load().respMemo = nil // this test's own revision
	return memo, plain
}

// memoInputs draws response-phase inputs from a pool, each pick with fresh
// values for some fields: those the response phase never reads (so the memo
// hits) and those it may read (principal, findings: so it must miss).
func memoInput(rng *rand.Rand, pool []*Input) *Input {
	base := pool[rng.IntN(len(pool))]
	in := randomInput(rng)
	in.Phase, in.Principal, in.Response, in.Findings = "response", base.Principal, base.Response, base.Findings
	switch rng.IntN(6) {
	case 0:
		in.Response.Findings = randomFindings(rng)
	case 1:
		in.Findings = randomFindings(rng)
	case 2:
		in.Principal.Team = pick(rng, "research", "support", "default")
	}
	return in
}

func memoPool(rng *rand.Rand, n int) []*Input {
	pool := make([]*Input, n)
	for i := range pool {
		pool[i] = randomInput(rng)
		pool[i].Phase = "response"
		pool[i].Response.Findings = randomFindings(rng)
	}
	return pool
}

// TestResponseMemoMatchesEvaluation: the memo's decisions are the
// evaluator's on random response inputs, many of them hits.
func TestResponseMemoMatchesEvaluation(t *testing.T) {
	memo, plain := memoPair(t)
	rng := rand.New(rand.NewPCG(0x3e30, 0x11))
	pool := memoPool(rng, 40)
	ctx := context.Background()
	hits0 := memoHits.Get()
	denied := 0
	for i := range 4000 {
		in := memoInput(rng, pool)
		got, want := memo.Decide(ctx, in), plain.Decide(ctx, in)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("input %d: memo %+v, evaluated %+v\ninput %+v", i, got, want, *in)
		}
		if !want.Allow {
			denied++
		}
	}
	if hits := memoHits.Get() - hits0; hits < 1000 || denied == 0 {
		t.Fatalf("%d hits and %d denials in 4000 decisions: the test does not exercise the memo", hits, denied)
	}
}

// TestResponseMemoConcurrent is the same under concurrent callers (run with -race).
func TestResponseMemoConcurrent(t *testing.T) {
	memo, plain := memoPair(t)
	pool := memoPool(rand.New(rand.NewPCG(7, 7)), 20)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for i := range 500 {
				in := memoInput(rng, pool)
				got, want := memo.Decide(context.Background(), in), plain.Decide(context.Background(), in)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("worker %d input %d: memo %+v, evaluated %+v", w, i, got, want)
					return
				}
				if len(got.Reasons) > 0 { // a caller's copy: writing it must not reach the entry
					got.Reasons[0].Code = "scribbled"
				}
				if len(got.Redact) > 0 {
					got.Redact[0] = "scribbled"
				}
			}
		}()
	}
	wg.Wait()
}

// TestResponseMemoHandsOutCopies: a caller that edits its decision does not
// change the next caller's.
func TestResponseMemoHandsOutCopies(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir})
	in := typicalInput()
	in.Phase = "response"
	in.Response.Findings = []Finding{{Kind: "pii.email", Score: 1, Count: 1}}
	first := e.Decide(context.Background(), in) // acme redacts
	second := e.Decide(context.Background(), in)
	if !reflect.DeepEqual(first, second) || len(second.Redact) != 1 {
		t.Fatalf("first %+v, second %+v", first, second)
	}
	second.Redact[0] = "scribbled"
	in.Principal.Tenant = "globex" // denies pii
	deny := e.Decide(context.Background(), in)
	in.Principal.Tenant = "globex"
	deny2 := e.Decide(context.Background(), in)
	deny2.Reasons[0].Message = "scribbled"
	in.Principal.Tenant = "acme"
	if third := e.Decide(context.Background(), in); !reflect.DeepEqual(first, third) {
		t.Fatalf("after a caller's edit: %+v, want %+v", third, first)
	}
	in.Principal.Tenant = "globex"
	if again := e.Decide(context.Background(), in); !reflect.DeepEqual(deny, again) || deny.Allow {
		t.Fatalf("after a caller's edit: %+v, want %+v", again, deny)
	}
}

// TestMemoKeyCoversEveryField changes every Go value of the input one at a
// time: wherever that changes a field's term (what the policy would see),
// that field's key must change too, and every field is changed by some edit.
func TestMemoKeyCoversEveryField(t *testing.T) {
	edits := map[string]func(*Input){
		"phase":              func(in *Input) { in.Phase = "request" },
		"request.endpoint":   func(in *Input) { in.Request.Endpoint = "/v1/embeddings" },
		"request.model":      func(in *Input) { in.Request.Model = "mock-gpt" },
		"request.stream":     func(in *Input) { in.Request.Stream = !in.Request.Stream },
		"request.max_tokens": func(in *Input) { in.Request.MaxTokens++ },
		"request.temp":       func(in *Input) { in.Request.Temperature = 0.25 },
		"request.has_temp":   func(in *Input) { in.Request.HasTemperature = false },
		"request.n":          func(in *Input) { in.Request.N = 3 },
		"request.tools":      func(in *Input) { in.Request.Tools = append(in.Request.Tools, "x") },
		"request.tool name":  func(in *Input) { in.Request.Tools = []string{"get_weathe"} },
		"request.msgs":       func(in *Input) { in.Request.MessageCount++ },
		"request.chars":      func(in *Input) { in.Request.PromptChars++ },
		"request.user":       func(in *Input) { in.Request.User = "user-43" },
		"request.metadata":   func(in *Input) { in.Request.Metadata = map[string]string{"app": "batch"} },
		"request.md key":     func(in *Input) { in.Request.Metadata = map[string]string{"ap": "support-bot"} },
		"tenant":             func(in *Input) { in.Principal.Tenant = "globex" },
		"team":               func(in *Input) { in.Principal.Team = "support" },
		"key_id":             func(in *Input) { in.Principal.KeyID = "key_0" },
		"tags":               func(in *Input) { in.Principal.Tags = map[string]string{"env": "dev"} },
		"tags more":          func(in *Input) { in.Principal.Tags = map[string]string{"env": "prod", "a": ""} },
		"estimate.tokens":    func(in *Input) { in.Estimate.PromptTokens++ },
		"estimate.cost":      func(in *Input) { in.Estimate.MaxCostUSD = 0.0064 },
		"findings":           func(in *Input) { in.Findings = nil },
		"finding kind":       func(in *Input) { in.Findings[0].Kind = "pii.email" },
		"finding score":      func(in *Input) { in.Findings[0].Score = 0.9 },
		"finding count":      func(in *Input) { in.Findings[0].Count = 2 },
		"spend.tenant_today": func(in *Input) { in.Spend.TenantToday = 1 },
		"spend.tenant_month": func(in *Input) { in.Spend.TenantMonth = 1 },
		"spend.team_today":   func(in *Input) { in.Spend.TeamToday = 1 },
		"spend.team_month":   func(in *Input) { in.Spend.TeamMonth = 1 },
		"spend.key_today":    func(in *Input) { in.Spend.KeyToday = 1 },
		"spend.key_month":    func(in *Input) { in.Spend.KeyMonth = 1 },
		"spend.remaining":    func(in *Input) { in.Spend.BudgetRemaining = 189.5 },
		"spend.has_budget":   func(in *Input) { in.Spend.HasBudget = false },
		"health status":      func(in *Input) { in.Health = map[string]ModelHealth{"gpt-4o": {Status: "unhealthy"}} },
		"health rate": func(in *Input) {
			in.Health = map[string]ModelHealth{"gpt-4o": {Status: "healthy", ErrorRate: 0.5, P99Ms: 2300}}
		},
		"health p99": func(in *Input) {
			in.Health = map[string]ModelHealth{"gpt-4o": {Status: "healthy", ErrorRate: 0.01, P99Ms: 1}}
		},
		"health model":        func(in *Input) { delete(in.Health, "mock-gpt") },
		"time.now":            func(in *Input) { in.Time.Now = "2026-11-23T14:05:01Z" },
		"time.hour":           func(in *Input) { in.Time.Hour = 15 },
		"time.weekday":        func(in *Input) { in.Time.Weekday = "sunday" },
		"response.model":      func(in *Input) { in.Response.Model = "mock-gpt" },
		"response.finish":     func(in *Input) { in.Response.FinishReason = "length" },
		"usage.prompt":        func(in *Input) { in.Response.Usage.PromptTokens++ },
		"usage.completion":    func(in *Input) { in.Response.Usage.CompletionTokens++ },
		"usage.total":         func(in *Input) { in.Response.Usage.TotalTokens++ },
		"response.findings":   func(in *Input) { in.Response.Findings = nil },
		"response.find kind":  func(in *Input) { in.Response.Findings[0].Kind = "pii.ssn" },
		"response.find score": func(in *Input) { in.Response.Findings[0].Score = 0.5 },
		"response.find count": func(in *Input) { in.Response.Findings[0].Count = 7 },
	}
	c := newTermCache(nil, nil) // every field built
	changed := map[fieldMask]bool{}
	for name, edit := range edits {
		before, after := fullInput(), fullInput()
		edit(after)
		for k := range objectKinds {
			for i, fieldName := range objectKeys[k] {
				if k == objInput && (fieldName == "request" || fieldName == "estimate" || fieldName == "spend") {
					continue // lazy objects: their own fields have bits
				}
				bit := fieldBit(k, i)
				if !termsDiffer(c, before, after, k, fieldName) {
					continue
				}
				changed[bit] = true
				kb, ok1 := appendMemoKey(nil, before, bit)
				ka, ok2 := appendMemoKey(nil, after, bit)
				if !ok1 || !ok2 {
					t.Fatalf("%s: key of %s not built", name, fieldName)
				}
				if string(kb) == string(ka) {
					t.Errorf("%s changes %s/%s, but not its key", name, objectName[k], fieldName)
				}
			}
		}
	}
	for k := range objectKinds {
		for i, fieldName := range objectKeys[k] {
			if k == objInput && (fieldName == "request" || fieldName == "estimate" || fieldName == "spend") {
				continue
			}
			if !changed[fieldBit(k, i)] {
				t.Errorf("no edit changes %s/%s: the test does not check its key", objectName[k], fieldName)
			}
		}
	}
}

// termsDiffer reports whether field name of object kind has different terms
// (or presence) in a and b.
func termsDiffer(c *termCache, a, b *Input, kind objectKind, name string) bool {
	la, lb := acquireLazyInput(c, a), acquireLazyInput(c, b)
	defer releaseLazyInput(la)
	defer releaseLazyInput(lb)
	ta, tb := la.docs[kind].Get(name), lb.docs[kind].Get(name)
	if ta == nil || tb == nil {
		return (ta == nil) != (tb == nil)
	}
	if name == "response" && kind == objInput {
		return false // the lazy response object: its fields have bits
	}
	return ireval.Concrete(ta).Value.Compare(ireval.Concrete(tb).Value) != 0
}

// TestMemoKeyFieldsIndependent: a key is built only from its mask's fields.
func TestMemoKeyFieldsIndependent(t *testing.T) {
	a, b := fullInput(), fullInput()
	b.Spend.BudgetRemaining, b.Estimate.MaxCostUSD, b.Time.Hour = 1, 2, 3
	m := fieldBit(objInput, 0) | fieldBit(objInput, 2) | fieldBit(objResponse, 3)
	ka, _ := appendMemoKey(nil, a, m)
	kb, _ := appendMemoKey(nil, b, m)
	if string(ka) != string(kb) {
		t.Fatal("fields outside the mask changed the key")
	}
	b.Response.Findings = append(b.Response.Findings, Finding{Kind: "pii.ssn", Count: 1})
	if kb, _ = appendMemoKey(nil, b, m); string(ka) == string(kb) {
		t.Fatal("a field in the mask did not change the key")
	}
}

// TestMemoKeyCap: an input whose read fields are too long is not remembered.
func TestMemoKeyCap(t *testing.T) {
	in := fullInput()
	in.Principal.KeyID = strings.Repeat("k", memoKeyMax)
	if _, ok := appendMemoKey(nil, in, fieldBit(objInput, 2)); ok {
		t.Fatal("a key past memoKeyMax was built")
	}
	m := newResponseMemo()
	m.put(in, fieldBit(objInput, 2), Decision{Allow: true})
	if n := memoEntries(m); n != 0 {
		t.Fatalf("%d entries for a key past the cap", n)
	}
}

func memoEntries(m *responseMemo) int {
	n := 0
	for i := range m.slots {
		if m.slots[i].Load() != nil {
			n++
		}
	}
	return n
}

// TestResponseMemoBounded: entries stay within the table, evictions are counted.
func TestResponseMemoBounded(t *testing.T) {
	m := newResponseMemo()
	ev0 := memoEvictions.Get()
	in := fullInput()
	for i := range 3 * memoSlots {
		in.Response.Usage.TotalTokens = i
		m.put(in, fieldBit(objResponse, 2), Decision{Allow: true})
	}
	if n := memoEntries(m); n > memoSlots || n < memoSlots/2 {
		t.Fatalf("%d entries", n)
	}
	if memoEvictions.Get()-ev0 < memoSlots {
		t.Fatalf("%d evictions for %d entries in %d slots", memoEvictions.Get()-ev0, 3*memoSlots, memoSlots)
	}
	for i := range maxMemoMasks + 2 {
		m.put(in, fieldBit(objRequest, i), Decision{Allow: true})
	}
	if n := len(*m.masks.Load()); n != maxMemoMasks {
		t.Fatalf("%d read sets, want at most %d", n, maxMemoMasks)
	}
}

// TestResponseMemoDroppedOnReload: new data serves its own decisions at once.
func TestResponseMemoDroppedOnReload(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "policy.rego"), "package tollgate\n\n"+
		"decision := {\"allow\": true, \"redact\": data.kinds[input.principal.tenant], \"max_tokens\": 1}\n")
	writeFile(t, filepath.Join(dir, "data.json"), `{"kinds": {"acme": ["pii.email"]}}`)
	e := openTB(t, Options{Dir: dir})
	in := typicalInput()
	in.Phase = "response"
	for range 2 {
		if d := e.Decide(context.Background(), in); !reflect.DeepEqual(d.Redact, []string{"pii.email"}) {
			t.Fatalf("before reload: %+v", d)
		}
	}
	if n := memoEntries(e.rev.Load().respMemo); n != 1 {
		t.Fatalf("%d entries after two equal decisions, want 1", n)
	}
	writeFile(t, filepath.Join(dir, "data.json"), `{"kinds": {"acme": ["pii.phone"]}}`)
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	if d := e.Decide(context.Background(), in); !reflect.DeepEqual(d.Redact, []string{"pii.phone"}) {
		t.Fatalf("after reload: %+v", d)
	}
}

// TestResponseMemoGates: the memo is off where a remembered decision could
// differ from an evaluation, and such policies' decisions are never remembered.
func TestResponseMemoGates(t *testing.T) {
	cases := []struct{ name, rego, why string }{
		{"time.now_ns", "decision := {\"allow\": time.now_ns() > 0, \"redact\": [input.phase], \"max_tokens\": 1}", "time.now_ns"},
		{"rand", "decision := {\"allow\": rand.intn(\"x\", 2) >= 0, \"redact\": [input.phase], \"max_tokens\": 1}", "rand.intn"},
		{"io.jwt.decode_verify", "decision := {\"allow\": count([x | x := io.jwt.decode_verify(input.phase, {\"secret\": \"s\"})]) >= 0, \"redact\": [input.phase], \"max_tokens\": 1}", "io.jwt.decode_verify"},
		{"x509 verify", "decision := {\"allow\": count([x | x := crypto.x509.parse_and_verify_certificates(input.phase)]) >= 0, \"redact\": [input.phase], \"max_tokens\": 1}", "crypto.x509.parse_and_verify_certificates"},
		{"input whole", "decision := {\"allow\": count(input) > 0, \"redact\": [input.phase], \"max_tokens\": 1}", "as a whole"},
		{"input[x]", "decision := {\"allow\": true, \"redact\": [k | input[k]], \"max_tokens\": 1}", "as a whole"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "policy.rego"), "package tollgate\n\n"+tc.rego+"\n")
			e := openTB(t, Options{Dir: dir})
			rev := e.rev.Load()
			if rev.respMemo != nil || !strings.Contains(rev.memoOff, tc.why) {
				t.Fatalf("memo %v, off because %q; want off because of %q", rev.respMemo != nil, rev.memoOff, tc.why)
			}
			in := typicalInput()
			in.Phase = "response"
			hits, misses := memoHits.Get(), memoMisses.Get()
			for range 3 {
				if d := e.Decide(context.Background(), in); d.Err != nil {
					t.Fatal(d.Err)
				}
			}
			if memoHits.Get() != hits || memoMisses.Get() != misses {
				t.Fatal("the memo was consulted")
			}
		})
	}
}

// TestResponseMemoOffWithDecisionLog: every decision is evaluated and logged.
func TestResponseMemoOffWithDecisionLog(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir, DecisionLog: DecisionLogOptions{Path: filepath.Join(t.TempDir(), "d.log"), SampleRate: 1}})
	in := typicalInput()
	in.Phase = "response"
	hits, misses := memoHits.Get(), memoMisses.Get()
	for range 3 {
		e.Decide(context.Background(), in)
	}
	if memoHits.Get() != hits || memoMisses.Get() != misses {
		t.Fatal("the memo was consulted with the decision log on")
	}
}

// TestResponseMemoReadsOfExamples: a clean answer's response phase reads
// only the phase, the principal and the response's findings, so the load
// test's answers are one entry whatever their spend, estimate or usage.
func TestResponseMemoReadsOfExamples(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir})
	rev := e.rev.Load()
	in := typicalInput()
	in.Phase = "response"
	li := acquireLazyInput(rev.terms, in)
	defer releaseLazyInput(li)
	prog := rev.responseProg
	if prog == nil {
		t.Fatal("no response program")
	}
	res, err := prog.EvalLazy(context.Background(), li.root(), rev.data, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Release()
	want := fieldBit(objInput, 0) | fieldBit(objInput, 2) | fieldBit(objInput, 8) | fieldBit(objResponse, 3)
	if got := li.reads(); got != want {
		t.Fatalf("reads %#x, want %#x", got, want)
	}
}
