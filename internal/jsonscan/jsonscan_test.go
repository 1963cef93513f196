package jsonscan

import (
	"encoding/json"
	"testing"
)

func TestNextValue(t *testing.T) {
	f := func(data, key, want string) {
		t.Helper()
		if got := string(NextValue([]byte(data), []byte(key))); got != want {
			t.Fatalf("NextValue(%s, %s) = %q, want %q", data, key, got, want)
		}
	}
	f(`{"usage":{"a":1}}`, `"usage"`, `{"a":1}}`)
	f(`{"usage" :  null}`, `"usage"`, `null}`)
	f(`{"content":"say \"usage\": 1","usage":2}`, `"usage"`, `2}`) // an escaped lookalike in a string
	f(`{"content":"usage"}`, `"usage"`, ``)                        // a string value, not a key
	f(`{"usage":`, `"usage"`, ``)
}

func TestScans(t *testing.T) {
	data := []byte(`{"choices": [{"delta": {"content": "a\nb"}, "finish_reason": null}, {"finish_reason" : "stop"}], "error": null}`)
	if got := string(FirstString(data, []byte(`"finish_reason"`))); got != "stop" {
		t.Fatalf("FirstString = %q", got)
	}
	// An escaped quote does not end the string.
	if got := string(FirstString([]byte(`{"finish_reason":"a\\\"b\\","x":"y"}`), []byte(`"finish_reason"`))); got != `a\\\"b\\` {
		t.Fatalf("FirstString with escapes = %q", got)
	}
	if HasNonNullValue(data, []byte(`"error"`)) || !HasNonNullValue([]byte(`{"error" : {}}`), []byte(`"error"`)) {
		t.Fatal("HasNonNullValue")
	}
	if HasObjectValue(data, []byte(`"error"`)) || !HasObjectValue(data, []byte(`"delta"`)) {
		t.Fatal("HasObjectValue")
	}
	if got := string(AppendStringValues(nil, data, []byte(`"content"`))); got != "a\nb" {
		t.Fatalf("AppendStringValues = %q", got)
	}
	if got := string(EventData([]byte("event: x\ndata: {\"a\":1}\r\n\n"))); got != `{"a":1}` {
		t.Fatalf("EventData = %q", got)
	}
}

func FuzzAppendUnescaped(f *testing.F) {
	f.Add(`a\"b\\c\u00e9\ud83d\ude00"rest`)
	f.Fuzz(func(t *testing.T, s string) {
		quoted, _ := json.Marshal(s)
		got, n := AppendUnescaped(nil, quoted[1:])
		if n != len(quoted)-1 {
			t.Fatalf("consumed %d of %d", n, len(quoted)-1)
		}
		var want string
		_ = json.Unmarshal(quoted, &want)
		if string(got) != want {
			t.Fatalf("%q: got %q want %q", s, got, want)
		}
	})
}
