package filters

import (
	"testing"
)

func mustScanner(t testing.TB, cfg Config) *Scanner {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// kindsAt renders findings as kind@start-end for compact assertions.
func spans(text string, fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Kind+"="+text[f.Start:f.End])
	}
	return out
}

func TestScanFindsInOriginalOffsets(t *testing.T) {
	s := mustScanner(t, DefaultConfig())
	f := func(text string, want ...string) {
		t.Helper()
		got := spans(text, s.Scan([]byte(text), nil))
		if len(got) != len(want) {
			t.Fatalf("%q: got %q, want %q", text, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: got %q, want %q", text, got, want)
			}
		}
	}
	f("write to jane.doe@example.com today", "pii.email=jane.doe@example.com")
	f("nothing here")
	f("")
	f("jane\u200b.doe@exa\u200bmple.com", "pii.email=jane\u200b.doe@exa\u200bmple.com")
	f("ｊａｎｅ@example.com!", "pii.email=ｊａｎｅ@example.com")
	f("key AKIAIOSFODNN7EXAMPLE in it", "secret.aws_access_key=AKIAIOSFODNN7EXAMPLE")
	f("token ghp_"+"abcdefghijklmnopqrstuvwxyz0123456789 ok", "secret.github_token=ghp_abcdefghijklmnopqrstuvwxyz0123456789")
}

func TestScanDecodesBlobs(t *testing.T) {
	s := mustScanner(t, DefaultConfig())
	// base64 of "mail me at jane.doe@example.com please"
	text := "see bWFpbCBtZSBhdCBqYW5lLmRvZUBleGFtcGxlLmNvbSBwbGVhc2U= ok"
	got := spans(text, s.Scan([]byte(text), nil))
	if len(got) != 1 || got[0] != "pii.email=bWFpbCBtZSBhdCBqYW5lLmRvZUBleGFtcGxlLmNvbSBwbGVhc2U=" {
		t.Fatalf("got %q", got)
	}
}
