package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestFiltersScanIsWired(t *testing.T) {
	var out, errb bytes.Buffer
	in := strings.NewReader("mail jane@example.com\nnothing\n")
	if code := run([]string{"filters", "scan", "--lines"}, in, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := `{"line":1,"findings":[{"kind":"pii.email","start":5,"end":21,"score":0.95}]}` + "\n" +
		`{"line":2,"findings":[]}` + "\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}
