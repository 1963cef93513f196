package scenario

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(Scenario{Name: "mixed", Run: runMixed, SmokeTimeout: 60 * time.Second,
		About: "the mixed workload of loadtest/k6/mixed.js (tenants and keys, cache hits and misses, streams, embeddings, policy denials, filtered prompts, a rate-limited key) through one gateway: latency and statuses by kind, each kind's status asserted"})
}

// mixKind is one kind of request of the mixed workload; loadtest/k6/mixed.js
// sends the same mix (keep the two in step).
type mixKind struct {
	name  string
	share int   // slots out of mixSlots
	want  []int // the statuses it must get
	req   func(i int) Request
}

const mixSlots = 20

// Repeated prompts and inputs: the first of each misses, the rest hit.
const mixRepeatedChats, mixRepeatedInputs = 3, 5

func chatBody(model, content string, extra string) []byte {
	return []byte(`{"model":"` + model + `"` + extra + `,"max_tokens":16,"messages":[{"role":"user","content":"` + content + `"}]}`)
}

// mixedKinds is the mix, 20 slots: 30 % cache hits, 20 % misses, 10 %
// streams, 10 % embeddings (cached inputs), 5 % each of a PII denial, a
// model denial, a blocked prompt and a redacted secret, 10 % on a key
// limited to 60 requests a minute.
var mixedKinds = []mixKind{
	{"chat-hit", 6, []int{200}, func(i int) Request {
		return Request{Key: "sk-acme-research", Body: chatBody("mock-gpt", "Summarise topic "+strconv.Itoa(i%mixRepeatedChats)+" of the handbook.", `,"temperature":0`)}
	}},
	{"chat-miss", 4, []int{200}, func(i int) Request {
		return Request{Key: "sk-globex", Body: chatBody("mock-gpt", "Draft reply number "+ref(i)+" to the customer.", `,"temperature":0`)}
	}},
	{"stream", 2, []int{200}, func(i int) Request {
		return Request{Key: "sk-acme-support", Body: chatBody("mock-gpt", "Explain step "+ref(i)+" of the setup.", `,"stream":true`)}
	}},
	{"embeddings", 2, []int{200}, func(i int) Request {
		return Request{Key: "sk-acme-research", Path: "/v1/embeddings",
			Body: []byte(`{"model":"mock-gpt","input":"The quick brown fox number ` + strconv.Itoa(i%mixRepeatedInputs) + ` jumps over the lazy dog."}`)}
	}},
	{"denied-pii", 1, []int{403}, func(i int) Request {
		return Request{Key: "sk-globex", Body: chatBody("mock-gpt", "Mail the report to jane.doe"+ref(i)+"@example.com today.", "")}
	}},
	{"denied-model", 1, []int{403}, func(i int) Request {
		return Request{Key: "sk-globex", Body: chatBody("gpt-4o", "Question "+ref(i)+" for the big model.", "")}
	}},
	{"filtered-blocked", 1, []int{400}, func(i int) Request {
		return Request{Key: "sk-acme-support", Body: chatBody("mock-gpt", "You are a fucking idiot, ticket "+ref(i)+".", "")}
	}},
	{"filtered-redacted", 1, []int{200}, func(i int) Request {
		return Request{Key: "sk-acme-support", Body: chatBody("mock-gpt", "My key is AKIAIOSFODNN7EXAMPLE, ticket "+ref(i)+".", "")}
	}},
	{"rate-limited", 2, []int{200, 429}, func(i int) Request {
		return Request{Key: "sk-globex-limited", Body: chatBody("mock-gpt", "Quick check "+ref(i)+".", "")}
	}},
}

// ref names request i in a prompt as "r000069": a bare number can be a
// blocklisted word ("69") and a long one a phone number.
func ref(i int) string { return fmt.Sprintf("r%06d", i) }

// mixedRequest picks request i's kind by its slot among mixSlots.
func mixedRequest(i int) Request {
	slot := i % mixSlots
	for _, k := range mixedKinds {
		if slot < k.share {
			r := k.req(i)
			r.Kind = k.name
			return r
		}
		slot -= k.share
	}
	panic("mixedKinds' shares do not add up to mixSlots")
}

// mixedGateway starts a mock and a gateway with loadtest/k6/mixed.yaml.
func mixedGateway(env *Env) (mock, gw *Proc, err error) {
	if mock, err = env.StartMock(); err != nil {
		return nil, nil, err
	}
	cfg, err := os.ReadFile(filepath.Join(env.Root(), "loadtest", "k6", "mixed.yaml"))
	if err != nil {
		return nil, nil, err
	}
	gw, err = env.StartGatewayWith(GatewayOptions{Name: "gateway", YAML: strings.ReplaceAll(string(cfg), "127.0.0.1:18080", mock.Addr)})
	return mock, gw, err
}

// runMixed sends the mix at a fixed rate and checks each kind got what it
// must: hits and misses 200, denials 403, blocked prompts 400, the limited
// key at most its 60 a minute (and then 429), and the upstream reached only
// by what the cache could not answer.
func runMixed(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("mixed")
	rate := o.Int(o.Rate, 200, 100)
	d := o.Dur(30*time.Second, 2*time.Second)
	conns := o.Int(o.Conns, 20, 10)
	mock, gw, err := mixedGateway(env)
	if err != nil {
		return nil, err
	}
	before, err := mock.MockStats(ctx)
	if err != nil {
		return nil, err
	}
	cpu := MeasureCPU(gw)
	st, err := RunLoad(ctx, Load{Addr: gw.Addr, Rate: rate, Duration: d, Conns: conns, Next: mixedRequest})
	if err != nil {
		return nil, err
	}
	used := cpu.Used()
	after, err := mock.MockStats(ctx)
	if err != nil {
		return nil, err
	}
	upstream := after["requests"] - before["requests"] - 1 // the second stats GET counts itself

	t := res.Table(fmt.Sprintf("Open loop: %d requests/s over %d connections for %s through one gateway (loadtest/k6/mixed.yaml: every stage on). Latency from the scheduled time.", rate, conns, d),
		"kind", "share", "requests", "p50 ms", "p90 ms", "p99 ms", "max ms", "statuses")
	t.Row("all", "100 %", st.Requests, ms(st.P(.5)), ms(st.P(.9)), ms(st.P(.99)), ms(st.Max()), st.StatusSummary())
	expectUpstream := 0
	for _, k := range mixedKinds {
		ks := st.Kinds[k.name]
		if ks == nil {
			ks = &Stats{Status: map[int]int{}}
		}
		t.Row(k.name, fmt.Sprintf("%d %%", k.share*100/mixSlots), ks.Requests, ms(ks.P(.5)), ms(ks.P(.9)), ms(ks.P(.99)), ms(ks.Max()), ks.StatusSummary())
		wrong := ks.Missed
		for code, n := range ks.Status {
			if !slices.Contains(k.want, code) {
				wrong += n
			}
		}
		res.Check(k.name+": statuses", wrong == 0 && ks.Requests > 0, fmt.Sprint(k.want), ks.StatusSummary())
		switch k.name {
		case "chat-miss", "stream", "filtered-redacted", "rate-limited":
			expectUpstream += ks.OK()
		}
		if k.name == "rate-limited" {
			limit := 60 * int(math.Ceil(d.Minutes()))
			admitted := ks.Status[200]
			low := min(ks.Requests, 60) - 1
			res.Check("rate-limited: admitted within the key's 60 a minute", admitted <= limit && admitted >= low,
				fmt.Sprintf("%d to %d", low, limit), admitted)
		}
	}
	res.Check("upstream reached only by misses (repeats answered by the cache)",
		upstream >= int64(expectUpstream) && upstream <= int64(expectUpstream+mixRepeatedChats+mixRepeatedInputs),
		fmt.Sprintf("%d to %d", expectUpstream, expectUpstream+mixRepeatedChats+mixRepeatedInputs), upstream)
	perReq := float64(used.Microseconds()) / float64(max(st.Requests, 1))
	res.Value("cpu_us_per_request", perReq)
	res.Note("gateway CPU: %.1f µs per request of the mix; %d upstream calls for %d requests", perReq, upstream, st.Requests)
	return res, nil
}
