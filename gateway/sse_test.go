package gateway

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func scanAll(t *testing.T, r io.Reader) ([]string, error) {
	t.Helper()
	sc := acquireScanner(r)
	defer releaseScanner(sc)
	var out []string
	for {
		ev, err := sc.next()
		if len(ev) > 0 {
			out = append(out, string(ev))
		}
		if err != nil {
			return out, err
		}
	}
}

func TestSSEScanner(t *testing.T) {
	f := func(in string, want ...string) {
		t.Helper()
		// One byte at a time too: events must not depend on read sizes.
		for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
			got, err := scanAll(t, r)
			if err != io.EOF {
				t.Fatalf("err %v", err)
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("scan %q\n got %q\nwant %q", in, got, want)
			}
		}
	}
	f("data: a\n\ndata: b\n\n", "data: a\n\n", "data: b\n\n")
	f("data: a\r\n\r\ndata: [DONE]\r\n\r\n", "data: a\r\n\r\n", "data: [DONE]\r\n\r\n")
	f("event: x\ndata: 1\ndata: 2\n\n", "event: x\ndata: 1\ndata: 2\n\n")
	f("\n\ndata: a\n\n", "data: a\n\n")
	f(": keepalive\n\ndata: a\n\n", ": keepalive\n\n", "data: a\n\n")
	f("data: partial", "data: partial") // trailing event without its blank line
	f("")
	long := "data: " + strings.Repeat("x", 100<<10) + "\n\n"
	f(long, long)
}

func TestSSEScannerBoundsEventSize(t *testing.T) {
	in := "data: " + strings.Repeat("x", maxEventBytes+10) + "\n\n"
	_, err := scanAll(t, strings.NewReader(in))
	if err != errEventTooLarge {
		t.Fatalf("err = %v", err)
	}
}

func TestIsDoneEvent(t *testing.T) {
	if !isDoneEvent([]byte("data: [DONE]\n\n")) || isDoneEvent([]byte("data: {\"x\":\"[DONE]\"}\n\n")) {
		t.Fatal("isDoneEvent")
	}
}

// FuzzSSEScanner: concatenating the events gives back the input, minus
// stray blank lines, whatever the chunking.
func FuzzSSEScanner(f *testing.F) {
	f.Add([]byte("data: a\n\ndata: b\r\n\r\n"), uint8(3))
	f.Add([]byte("\n\n\ndata"), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		if len(in) > 1<<16 {
			return
		}
		r := io.Reader(bytes.NewReader(in))
		if chunk%2 == 1 {
			r = iotest.HalfReader(r)
		}
		got, err := scanAll(t, r)
		if err != io.EOF {
			t.Fatalf("err %v", err)
		}
		// Events keep every byte in order; only blank lines between events
		// (and a whitespace-only tail) are dropped.
		strip := func(s string) string {
			return strings.TrimRight(strings.NewReplacer("\r", "", "\n", "").Replace(s), " \t\f\v")
		}
		if strip(strings.Join(got, "")) != strip(string(in)) {
			t.Fatalf("events %q lost or changed bytes of %q", got, in)
		}
	})
}
