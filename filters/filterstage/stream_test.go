package filterstage

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
)

// split cuts text into chunks of n bytes (whole characters: a JSON
// string holds valid UTF-8).
func split(text string, n int) []string {
	var out []string
	for len(text) > n {
		j := n
		for j < len(text) && !utf8RuneStart(text[j]) {
			j++
		}
		out = append(out, chatChunk(text[:j]))
		text = text[j:]
	}
	return append(out, chatChunk(text))
}

func newStream(t testing.TB, st *reqState) *streamFilter {
	t.Helper()
	st.outCounted = true
	f := &st.stream
	f.st, f.hold, f.window = st, st.t.out.holds || st.vault.restorable(), st.set.window
	if st.vault.restorable() {
		f.window = max(f.window, maxPlaceholder)
	}
	return f
}

func TestStreamRedactsAcrossChunks(t *testing.T) {
	text := "my key is AKIAIOSFODNN7EXAMPLE, mail bob@example.com; again AKIAIOSFODNN7EXAMPLE. ünïcödé ok"
	for _, n := range []int{1, 2, 3, 7, 100} {
		st := testState(t, nil, config.FilterActions{"secret.*": "redact", "default": "flag"})
		evs, err := streamOf(newStream(t, st), append(split(text, n), finishChunk))
		if err != nil {
			t.Fatal(err)
		}
		got, _, finish := streamText(t, evs)
		want := "my key is [AWS_ACCESS_KEY_1], mail bob@example.com; again [AWS_ACCESS_KEY_1]. ünïcödé ok"
		if got != want || strings.Join(finish, ",") != "stop" {
			t.Fatalf("chunks of %d: got %q finish %v", n, got, finish)
		}
		if note := st.tally.note(); note != "out:pii.email=1,secret.aws_access_key=2" {
			t.Fatalf("chunks of %d: tally %s", n, note)
		}
	}
}

func TestStreamRestoresPseudonyms(t *testing.T) {
	st := testState(t, config.FilterActions{"pii.email": "pseudonymize"}, nil)
	st.inspect([]byte(`{"messages":[{"role":"user","content":"I am bob@example.com and alice@example.org"}]}`))
	st.rewriteRequest([]byte(`{"messages":[{"role":"user","content":"I am bob@example.com and alice@example.org"}]}`), nil)
	text := "Hello [EMAIL_1]! [EMAIL_2] wrote [EMAIL_1]; [NOT_1] [EMAIL_9] [EMAIL_"
	for _, n := range []int{1, 4, 9, 200} {
		st.stream = streamFilter{}
		evs, err := streamOf(newStream(t, st), split(text, n)) // no finish chunk: Flush releases the rest
		if err != nil {
			t.Fatal(err)
		}
		got, _, _ := streamText(t, evs)
		if want := "Hello bob@example.com! alice@example.org wrote bob@example.com; [NOT_1] [EMAIL_9] [EMAIL_"; got != want {
			t.Fatalf("chunks of %d: got %q", n, got)
		}
	}
}

func TestStreamDenyCuts(t *testing.T) {
	st := testState(t, nil, config.FilterActions{"pii.credit_card": "deny"})
	evs, err := streamOf(newStream(t, st), append(split("card: 4111111111111111 and more text after it", 5), finishChunk))
	if err == nil || err.Code != "content_filter" || !strings.Contains(err.Message, "pii.credit_card") || strings.Contains(err.Message, "4111") {
		t.Fatalf("%+v", err)
	}
	got, _, finish := streamText(t, evs)
	if got != "card: " || strings.Join(finish, ",") != "content_filter" {
		t.Fatalf("got %q finish %v", got, finish)
	}
}

func TestStreamFlagOnlyPassesEventsThrough(t *testing.T) {
	st := testState(t, nil, nil) // output default flag
	in := append(split("write to bob@example.com now", 3), finishChunk)
	f := newStream(t, st)
	if f.hold {
		t.Fatal("a flag-only stream holds text back")
	}
	evs, err := streamOf(f, in)
	if err != nil || strings.Join(evs, "") != strings.Join(in, "") {
		t.Fatalf("%v: events changed:\n%q", err, evs)
	}
	if note := st.tally.note(); note != "out:pii.email=1" {
		t.Fatal(note)
	}
}

func TestStreamToolArguments(t *testing.T) {
	st := testState(t, nil, config.FilterActions{"pii.*": "redact"})
	var evs []string
	args := `{"to":"bob@example.com","card":"4111111111111111"}`
	for i := 0; i < len(args); i += 4 {
		part := args[i:min(i+4, len(args))]
		evs = append(evs, `data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":`+
			jsonString(part)+`}}]},"finish_reason":null}]}`+"\n\n")
	}
	evs = append(evs, strings.Replace(finishChunk, `"stop"`, `"tool_calls"`, 1))
	out, err := streamOf(newStream(t, st), evs)
	if err != nil {
		t.Fatal(err)
	}
	_, got, finish := streamText(t, out)
	if got != `{"to":"[EMAIL_1]","card":"[CREDIT_CARD_1]"}` || strings.Join(finish, ",") != "tool_calls" {
		t.Fatalf("%q %v", got, finish)
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// FuzzStreamWindow: however the answer is cut into chunks, the client
// gets the same text as the buffered answer would (redactions and
// restored pseudonyms included), in valid chunks.
func FuzzStreamWindow(f *testing.F) {
	f.Add("key AKIAIOSFODNN7EXAMPLE to [EMAIL_1] bob@example.com", uint8(3))
	f.Add("[EMAIL_1][EMAIL_1]4111111111111111AKIAIOSFODNN7EXAMPLE", uint8(1))
	f.Add("ü[EMAIL_\x00\"\\ 4111111111111111", uint8(2))
	f.Fuzz(func(t *testing.T, text string, n uint8) {
		if !utf8Valid(text) || len(text) > 4096 {
			return
		}
		size := int(n%16) + 1
		st := testState(t, config.FilterActions{"pii.email": "pseudonymize"}, config.FilterActions{"secret.*": "redact", "pii.credit_card": "redact"})
		body := []byte(`{"messages":[{"role":"user","content":"bob@example.com"}]}`)
		st.inspect(body)
		st.rewriteRequest(body, nil)
		// The buffered answer's rewrite is the reference.
		var edits, tmp []edit
		st.fbuf = st.set.sc.Scan([]byte(text), st.fbuf[:0])
		for _, fd := range st.fbuf {
			if a := st.t.out.action(fd.Kind); a.rewrites() {
				edits = addEdit(edits, edit{start: fd.Start, end: fd.End, kind: fd.Kind, act: actRedact, restore: -1})
			}
		}
		edits, _ = addRestores(edits, tmp, []byte(text), 0, &st.vault)
		want := string(appendEdited(nil, []byte(text), edits, &st.vault))
		var chunks []string
		for i := 0; i < len(text); {
			j := min(i+size, len(text))
			for j < len(text) && !utf8RuneStart(text[j]) {
				j++
			}
			chunks = append(chunks, chatChunk(text[i:j]))
			i = j
		}
		evs, err := streamOf(newStream(t, st), append(chunks, finishChunk))
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := streamText(t, evs); got != want {
			t.Fatalf("chunks of %d:\n got %q\nwant %q", size, got, want)
		}
	})
}

// TestStreamCompletions: a completions stream (choices[].text) is held and
// redacted the same way, and its own chunks keep the completions shape.
func TestStreamCompletions(t *testing.T) {
	st := testState(t, nil, config.FilterActions{"secret.*": "redact"})
	text := "key AKIAIOSFODNN7EXAMPLE end"
	var evs []string
	for i := 0; i < len(text); i += 5 {
		evs = append(evs, `data: {"id":"c1","object":"text_completion","created":7,"model":"m","choices":[{"index":0,"text":`+
			jsonString(text[i:min(i+5, len(text))])+`,"finish_reason":null}]}`+"\n\n")
	}
	out, err := streamOf(newStream(t, st), evs) // no finish chunk: Flush releases the rest
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, e := range out {
		var ch struct {
			Object  string
			Choices []struct{ Text string }
		}
		if err := json.Unmarshal([]byte(strings.TrimPrefix(e, "data: ")), &ch); err != nil || ch.Object != "text_completion" {
			t.Fatalf("%q: %v", e, err)
		}
		for _, c := range ch.Choices {
			got.WriteString(c.Text)
		}
	}
	if got.String() != "key [AWS_ACCESS_KEY_1] end" {
		t.Fatalf("%q", got.String())
	}
}
