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

// TestSSEScannerLineAtBufferBoundary: a line whose length is a multiple of
// the reader's 32 KiB buffer is returned in pieces (bufio.ErrBufferFull);
// the "\n" ending it must not then pass for a blank line, or the event
// loses its terminator and merges with the next one.
func TestSSEScannerLineAtBufferBoundary(t *testing.T) {
	for _, size := range []int{32 << 10, 64 << 10, 128 << 10} {
		for _, delta := range []int{-2, -1, 0, 1, 2} {
			for _, nl := range []string{"\n", "\r\n"} {
				// The line is "data: " plus padding, size+delta bytes before its line end.
				line := "data: " + strings.Repeat("x", size+delta-6)
				in := line + nl + nl + "data: b" + nl + nl
				want := []string{line + nl + nl, "data: b" + nl + nl}
				for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in)), iotest.HalfReader(strings.NewReader(in))} {
					got, err := scanAll(t, r)
					if err != io.EOF {
						t.Fatalf("size %d%+d %q: err %v", size, delta, nl, err)
					}
					if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
						t.Fatalf("size %d%+d %q: got %d events (first %d bytes), want 2 (first %d bytes)",
							size, delta, nl, len(got), len(got[0]), len(want[0]))
					}
				}
			}
		}
	}
}

// TestSSEScannerKeepsOneSmallBuffer: events are scanned in the buffer they
// are read into, which stays at eventBufBytes while events fit in it,
// however the reads split them; one larger event grows it, and a grown
// buffer does not go back to the pool to be held by the next stream.
func TestSSEScannerKeepsOneSmallBuffer(t *testing.T) {
	ev := "data: {\"choices\":[{\"delta\":{\"content\":\"token\"}}]}\n\n"
	in := strings.Repeat(ev, 200)
	for _, r := range []io.Reader{strings.NewReader(in), iotest.HalfReader(strings.NewReader(in)), iotest.OneByteReader(strings.NewReader(in))} {
		sc := acquireScanner(r)
		n := 0
		for {
			got, err := sc.next()
			if len(got) > 0 {
				if string(got) != ev {
					t.Fatalf("event %d = %q", n, got)
				}
				n++
			}
			if err != nil {
				break
			}
		}
		if n != 200 || cap(sc.buf) != eventBufBytes {
			t.Fatalf("%d events, buffer %d bytes: want 200 in %d", n, cap(sc.buf), eventBufBytes)
		}
		releaseScanner(sc)
	}
	big := "data: " + strings.Repeat("x", 3*eventBufBytes) + "\n\n"
	huge := "data: " + strings.Repeat("x", 2*maxPooledEventBuf) + "\n\n"
	sc := acquireScanner(strings.NewReader(big + huge))
	if got, err := sc.next(); string(got) != big || err != nil || cap(sc.buf) > maxPooledEventBuf {
		t.Fatalf("a %d-byte event: %d bytes, %v, buffer %d", len(big), len(got), err, cap(sc.buf))
	}
	if got, err := sc.next(); string(got) != huge || err != nil {
		t.Fatalf("a %d-byte event: %d bytes, %v", len(huge), len(got), err)
	}
	releaseScanner(sc)
	if cap(sc.buf) > maxPooledEventBuf {
		t.Fatalf("a scanner goes back to the pool with a %d-byte buffer", cap(sc.buf))
	}
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
// stray blank lines, whatever the chunking; and every event is framed
// right: it ends with its blank line (only the last may lack one, at the
// end of input) and holds no blank line before that.
func FuzzSSEScanner(f *testing.F) {
	f.Add([]byte("data: a\n\ndata: b\r\n\r\n"), uint8(3))
	f.Add([]byte("\n\n\ndata"), uint8(1))
	// Lines at and around the reader's 32 KiB buffer and its multiples,
	// where a line comes back in pieces.
	for _, size := range []int{32 << 10, 64 << 10, 128 << 10} {
		for _, delta := range []int{-1, 0, 1} {
			for _, nl := range []string{"\n", "\r\n"} {
				line := "data: " + strings.Repeat("x", size+delta-6)
				f.Add([]byte(line+nl+nl+"data: b"+nl+nl), uint8(0))
				f.Add([]byte(line+nl+"data: c"+nl+nl), uint8(1))
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		if len(in) > 1<<18 {
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
		for i, ev := range got {
			if msg := eventFraming(ev, i == len(got)-1); msg != "" {
				t.Fatalf("event %d of %d (%d bytes): %s", i, len(got), len(ev), msg)
			}
		}
	})
}

// eventFraming checks that ev is one event: lines that are not blank, then
// the blank line ending it (optional for the last event of the input).
func eventFraming(ev string, last bool) string {
	lines := strings.SplitAfter(ev, "\n")
	blank := func(l string) bool { return l == "\n" || l == "\r\n" }
	terminated := len(lines) >= 2 && lines[len(lines)-1] == "" && blank(lines[len(lines)-2])
	body := lines
	if terminated {
		body = lines[:len(lines)-2]
	} else if !last {
		return "does not end with a blank line"
	}
	for _, l := range body {
		if blank(l) {
			return "holds a blank line before its end"
		}
	}
	return ""
}
