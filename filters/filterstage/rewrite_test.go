package filterstage

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
)

// userTexts decodes a chat body's message contents.
func userTexts(t *testing.T, body []byte) []string {
	t.Helper()
	var req struct {
		Messages []struct{ Content string }
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("rewritten body is not valid JSON: %v\n%s", err, body)
	}
	var out []string
	for _, m := range req.Messages {
		out = append(out, m.Content)
	}
	return out
}

func TestRewriteRequest(t *testing.T) {
	st := testState(t, config.FilterActions{"pii.email": "pseudonymize", "pii.credit_card": "redact", "default": "flag"}, nil)
	body := []byte(`{"model":"m","messages":[` +
		`{"role":"user","content":"mail bob@example.com, card 4111111111111111, \"quoted\"\n\u00e9 and bob@example.com again"},` +
		`{"role":"user","content":"alice@example.org then bob@example.com"},` +
		`{"role":"user","content":"nothing here \ud83d\ude00"}]}`)
	st.inspect(body)
	got := userTexts(t, st.rewriteRequest(body, nil))
	want := []string{"mail [EMAIL_1], card [CREDIT_CARD_1], \"quoted\"\né and [EMAIL_1] again", "[EMAIL_2] then [EMAIL_1]", "nothing here 😀"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("\n got %q\nwant %q", got, want)
	}
	if !st.vault.restorable() || string(st.vault.value(0)) != "bob@example.com" {
		t.Fatalf("vault %+v", st.vault)
	}
	// A policy's redact list raises a flagged kind to redact; redacted values are not restored.
	st = testState(t, config.FilterActions{"default": "flag"}, nil)
	body = []byte(`{"messages":[{"role":"user","content":"AKIAIOSFODNN7EXAMPLE bob@example.com"}]}`)
	st.inspect(body)
	got = userTexts(t, st.rewriteRequest(body, []string{"secret.*"}))
	if got[0] != "[AWS_ACCESS_KEY_1] bob@example.com" || st.vault.restorable() {
		t.Fatalf("%q", got)
	}
}

func TestActionsResolve(t *testing.T) {
	cfg := config.FiltersConfig{
		Input:  config.FilterActions{"default": "flag", "pii.*": "redact", "pii.email": "pseudonymize", "injection": "allow"},
		Output: config.FilterActions{"default": "allow"},
		Overrides: []config.FilterOverride{
			{Tenant: "acme", Input: config.FilterActions{"pii.*": "deny"}},
			{Tenant: "acme", Key: "k1", Input: config.FilterActions{"pii.email": "flag"}},
			{Model: "gpt", Output: config.FilterActions{"secret.*": "redact"}},
		},
	}
	r := newRules(&cfg)
	f := func(tenant, key, model, kind string, out bool, want action) {
		t.Helper()
		tb := r.tablesFor(tenant, key, model)
		tab := &tb.in
		if out {
			tab = &tb.out
		}
		if got := tab.action(kind); got != want {
			t.Fatalf("%s/%s/%s %s out=%v: %s, want %s", tenant, key, model, kind, out, got, want)
		}
	}
	f("", "", "", "pii.email", false, actPseudo)
	f("", "", "", "pii.phone", false, actRedact)
	f("", "", "", "injection", false, actAllow)
	f("", "", "", "secret.x", false, actFlag)
	f("acme", "", "", "pii.phone", false, actDeny)
	f("acme", "", "", "pii.email", false, actPseudo) // the exact kind beats the override's family
	f("acme", "k1", "", "pii.email", false, actFlag)
	f("acme", "k2", "gpt", "secret.x", true, actRedact)
	f("acme", "k2", "gpt", "pii.email", true, actAllow)
	if r.tablesFor("acme", "k1", "") != r.tablesFor("acme", "k1", "") {
		t.Fatal("resolved tables not cached")
	}
	if tb := r.tablesFor("", "", "gpt"); !tb.out.holds || r.tablesFor("", "", "").out.holds {
		t.Fatal("holds: a redacting output table holds stream text back, an allowing one does not")
	}
	if decided(&r.base.in, "pii.email", []string{"pii.email"}) != actRedact || decided(&r.base.in, "pii.email", []string{"pii.*"}) != actRedact ||
		decided(&r.base.in, "pii.emailx", []string{"pii.email"}) != actRedact /* family pii.* = redact */ {
		t.Fatal("policy redact")
	}
}

func TestTallyNote(t *testing.T) {
	var tl tally
	tl.add("pii.email", false, actRedact)
	tl.add("pii.email", false, actFlag)
	tl.add("injection", false, actFlag)
	tl.add("pii.email", false, actAllow)
	tl.add("secret.github_token", true, actRedact)
	tl.add("pii.email", true, actFlag)
	if got := tl.note(); got != "in:injection=1,pii.email=2;out:pii.email=1,secret.github_token=1" {
		t.Fatal(got)
	}
	tl = tally{}
	tl.add("x", true, actDeny)
	if got := tl.note(); got != "out:x=1" {
		t.Fatal(got)
	}
}

func TestRewriteCompletionsAndEmbeddings(t *testing.T) {
	f := func(body, want string) {
		t.Helper()
		st := testState(t, config.FilterActions{"pii.email": "redact"}, nil)
		st.inspect([]byte(body))
		if got := string(st.rewriteRequest([]byte(body), nil)); got != want {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	}
	f(`{"model":"m","prompt":["mail bob@example.com","x"],"max_tokens":5}`, `{"model":"m","prompt":["mail [EMAIL_1]","x"],"max_tokens":5}`)
	f(`{"model":"e","input":"bob@example.com"}`, `{"model":"e","input":"[EMAIL_1]"}`)
	f(`{"messages":[{"role":"assistant","tool_calls":[{"function":{"name":"send","arguments":"{\"to\":\"bob@example.com\"}"}}]},`+
		`{"role":"tool","content":"sent to alice@example.org"}]}`,
		`{"messages":[{"role":"assistant","tool_calls":[{"function":{"name":"send","arguments":"{\"to\":\"[EMAIL_1]\"}"}}]},`+
			`{"role":"tool","content":"sent to [EMAIL_2]"}]}`)
}

// FuzzRewriteRequest: whatever a message holds (escapes, quotes, control
// characters, findings), the rewritten body is valid JSON whose texts are
// the originals with each finding replaced by its placeholder.
func FuzzRewriteRequest(f *testing.F) {
	f.Add("mail bob@example.com \"now\"\n\\ \u00e9 4111111111111111")
	f.Add("bob@example.combob@example.com\x01")
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8Valid(text) {
			return
		}
		b, _ := json.Marshal(text)
		body := []byte(`{"model":"m","messages":[{"role":"user","content":` + string(b) + `}]}`)
		st := testState(t, config.FilterActions{"pii.email": "pseudonymize", "pii.credit_card": "redact"}, nil)
		st.inspect(body)
		var edits []edit
		for _, fd := range st.found {
			edits = addEdit(edits, edit{start: fd.f.Start, end: fd.f.End, kind: fd.f.Kind, act: st.t.in.action(fd.f.Kind), restore: -1})
		}
		var ref vault
		want := string(appendEdited(nil, []byte(text), edits, &ref))
		got := userTexts(t, st.rewriteRequest(body, nil))
		if len(got) != 1 || got[0] != want {
			t.Fatalf("got %q want %q", got, want)
		}
	})
}
