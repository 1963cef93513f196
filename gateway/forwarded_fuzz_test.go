package gateway

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"github.com/valyala/fastjson"
)

// forwardedCap and forwardedModel stand for a policy's max_tokens cap and a
// deployment whose upstream model name differs from the requested one.
const (
	forwardedCap   = 50
	forwardedModel = "upstream-model"
)

// forwardBody applies the edits the gateway makes before an upstream call,
// in the gateway's order: the policy cap (decide), include_usage for a
// stream (prepareBody), the deployment's model (attempt). It returns the
// decided fields alongside the body.
func forwardBody(t *testing.T, ep endpoint, body []byte, f *requestFields) (out []byte, injected bool) {
	t.Helper()
	out = body
	if ep != epEmbeddings && (f.MaxTokens == 0 || f.MaxTokens > forwardedCap) {
		key := "max_tokens"
		if f.maxTokensKey != "" {
			key = f.maxTokensKey
		}
		edited, err := setTopLevel(nil, out, key, []byte(strconv.Itoa(forwardedCap)))
		if err != nil {
			t.Fatalf("cap edit of an accepted body %q: %v", out, err)
		}
		out, f.MaxTokens, f.maxTokensKey = edited, forwardedCap, key
	}
	if f.Stream && !f.IncludeUsage && ep != epEmbeddings {
		edited, err := withIncludeUsage(nil, out)
		if err != nil {
			t.Fatalf("include_usage edit of an accepted body %q: %v", out, err)
		}
		out, injected = edited, true
	}
	edited, err := setTopLevel(nil, out, "model", []byte(strconv.Quote(forwardedModel)))
	if err != nil {
		t.Fatalf("model edit of an accepted body %q: %v", out, err)
	}
	return edited, injected
}

// gatewayView converts a fastjson value the way the gateway reads it: of
// two equal keys Get finds the first. Numbers keep their text.
func gatewayView(v *fastjson.Value) any {
	switch v.Type() {
	case fastjson.TypeObject:
		m := map[string]any{}
		o, _ := v.Object()
		o.Visit(func(k []byte, e *fastjson.Value) {
			if _, seen := m[string(k)]; !seen {
				m[string(k)] = gatewayView(e)
			}
		})
		return m
	case fastjson.TypeArray:
		arr, _ := v.Array()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = gatewayView(e)
		}
		return out
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return string([]rune(string(b))) // invalid UTF-8 reads as U+FFFD, as in encoding/json
	case fastjson.TypeNumber:
		return json.Number(v.String())
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	}
	return nil
}

// surrogateEscape: fastjson and encoding/json decode invalid surrogate
// escapes in string values differently (text, not keys: keys holding them
// are refused). Such bodies skip the whole-body comparison only.
var surrogateEscape = regexp.MustCompile(`\\u[dD][89a-fA-F]`)

// FuzzForwardedBody: for any body the gateway accepts, the upstream's parse
// of the body it forwards (encoding/json: last key wins, like Python) is
// exactly what the gateway decided on: model, max_tokens, n, stream,
// include_usage, and every other member as the gateway read it.
func FuzzForwardedBody(f *testing.F) {
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	for _, s := range []string{
		`{"model":"cheap",` + msgs + `}`,
		`{"model":"cheap","model":"gpt-4o",` + msgs + `}`,
		`{"model":"cheap","\u006dodel":"gpt-4o",` + msgs + `}`,
		`{"\u006dodel":"mock\u002dgpt",` + msgs + `}`,
		`{"model":"m","max_tokens":5,"max_tokens":100000,` + msgs + `}`,
		`{"model":"m","max_tokens":5,"max_completion_tokens":100000,` + msgs + `}`,
		`{"model":"m","m\u0061x_tokens":500,` + msgs + `}`,
		`{"model":"m","n":1,"\u006e":8,` + msgs + `}`,
		`{"model":"m","stream":true,"stream_options":{"continuous_usage_stats":true},` + msgs + `}`,
		`{"model":"m","stream":true,"stream_options":{"include_usage":false,"x":[1,{"y":"}"}]},` + msgs + `}`,
		`{"model":"m","stream":true,"stream_options":null,` + msgs + `}`,
		`{"model":"m","stream":true,"stream_options":{"include\u005fusage":false},` + msgs + `}`,
		`{"model":"m","messages":[{"role":"user","content":"ok","content":"evil"}]}`,
		`{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a","t\u0065xt":"b"}]}]}`,
		`{"model":"m",` + msgs + `,"tools":[{"type":"function","function":{"name":"a","name":"b"}}]}`,
		`{"model":"m",` + msgs + `,"\model":"x"}`,
		`{"model":"m",` + msgs + `,"metadata":{"a\\":"1","a\u005c":"2"}}`,
		`{"model":"m","prompt":["a","b"],"max_tokens":3}`,
		`{"model":"m","input":[[1,2]],"model":"n"}`,
	} {
		for ep := uint8(0); ep < 3; ep++ {
			f.Add([]byte(s), ep)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		ep := []endpoint{epChat, epCompletions, epEmbeddings}[int(which)%3]
		var rf requestFields
		if e := parseRequest(ep, body, &rf); e != nil {
			return
		}
		out, injected := forwardBody(t, ep, body, &rf)
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		var up map[string]any
		if dec.Decode(&up) != nil {
			return // an upstream refuses what encoding/json cannot read: nothing is served
		}
		if up["model"] != forwardedModel {
			t.Fatalf("upstream model %v, gateway %q: %s", up["model"], forwardedModel, out)
		}
		intOf := func(k string) (int64, bool) {
			n, ok := up[k].(json.Number)
			if !ok {
				return 0, false
			}
			i, err := n.Int64()
			return i, err == nil
		}
		for _, k := range []string{"max_tokens", "max_completion_tokens"} {
			got, ok := intOf(k)
			switch {
			case ep == epEmbeddings:
			case k == rf.maxTokensKey && (!ok || got != int64(rf.MaxTokens)):
				t.Fatalf("upstream %s %v, gateway %d: %s", k, up[k], rf.MaxTokens, out)
			case k != rf.maxTokensKey && up[k] != nil:
				t.Fatalf("upstream also has %s %v, gateway capped %s: %s", k, up[k], rf.maxTokensKey, out)
			}
		}
		if n, ok := intOf("n"); (rf.N == 0 && up["n"] != nil) || (rf.N != 0 && (!ok || n != int64(rf.N))) {
			t.Fatalf("upstream n %v, gateway %d: %s", up["n"], rf.N, out)
		}
		if (up["stream"] == true) != rf.Stream {
			t.Fatalf("upstream stream %v, gateway %v: %s", up["stream"], rf.Stream, out)
		}
		if rf.Stream && ep != epEmbeddings {
			so, _ := up["stream_options"].(map[string]any)
			if so["include_usage"] != true || injected == rf.IncludeUsage {
				t.Fatalf("upstream stream_options %v, client asked %v: %s", up["stream_options"], rf.IncludeUsage, out)
			}
		}
		if surrogateEscape.Match(body) {
			return
		}
		// Everything else as the gateway read it, edits applied.
		var p fastjson.Parser
		v, err := p.ParseBytes(body)
		if err != nil {
			t.Fatal(err)
		}
		want := gatewayView(v).(map[string]any)
		want["model"] = forwardedModel
		if ep != epEmbeddings {
			want[rf.maxTokensKey] = json.Number(strconv.Itoa(rf.MaxTokens))
		}
		if injected {
			so, _ := want["stream_options"].(map[string]any)
			if so == nil {
				so = map[string]any{}
			}
			so["include_usage"] = true
			want["stream_options"] = so
		}
		if !reflect.DeepEqual(want, up) {
			t.Fatalf("the upstream reads\n%v\nthe gateway decided on\n%v\nbody %s", up, want, out)
		}
	})
}
