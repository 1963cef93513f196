package mockllm

import (
	"encoding/json"
	"testing"
)

func TestAppendJSONString(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got := appendJSONString([]byte("x"), []byte(in))
		if string(got) != "x"+want {
			t.Errorf("%q: got %s, want %s", in, got[1:], want)
		}
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil {
			t.Errorf("%q: output %s does not parse: %v", in, got[1:], err)
		}
	}
	f("", `""`)
	f("mock-gpt", `"mock-gpt"`)
	f(`a"b\c`, `"a\"b\\c"`)
	f("l1\nl2\r\t", `"l1\nl2\r\t"`)
	f("\x00\x1f", `"\u0000\u001f"`)
	f("héllo 🎉", `"héllo 🎉"`)
	f("bad\xffutf8", `"bad\ufffdutf8"`)
}
