package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/tollgate-ai/tollgate/evals/refusal"
)

func init() {
	evalsCommands["refusal"] = evalsRefusal
}

// evalsRefusal is `tollgate evals refusal --lines [FILE]`: one JSON string
// (a response text) per input line, one verdict object per output line,
// in order. Exit 0, or 2 for bad flags or an unreadable FILE.
func evalsRefusal(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("evals refusal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lines := fs.Bool("lines", false, "read one JSON string per line (stdin when no FILE); print one JSON object per line")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: tollgate evals refusal --lines [FILE]\n"+
			"prints {\"line\":N,\"refusal\":true|false,\"score\":0..1} per line, or {\"line\":N,\"error\":…};\n"+
			"refusal is score >= %.2f\n", refusal.Threshold)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !*lines || fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	in := stdin
	if fs.NArg() == 1 {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintln(stderr, "tollgate evals refusal:", err)
			return 2
		}
		defer f.Close()
		in = f
	}
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	var out []byte
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return 0
			}
			w.Flush()
			fmt.Fprintln(stderr, "tollgate evals refusal: read:", err)
			return 2
		}
		line = trimEOL(line)
		out = append(out[:0], `{"line":`...)
		out = strconv.AppendInt(out, int64(n), 10)
		var text string
		if jerr := json.Unmarshal(line, &text); jerr != nil {
			out = append(out, `,"error":"not a JSON string"}`...)
		} else {
			yes, score := refusal.Detect(text)
			out = append(out, `,"refusal":`...)
			out = strconv.AppendBool(out, yes)
			out = append(out, `,"score":`...)
			out = strconv.AppendFloat(out, score, 'f', 4, 64)
			out = append(out, '}')
		}
		out = append(out, '\n')
		if _, werr := w.Write(out); werr != nil {
			return 2
		}
		if err != nil { // last line without a newline
			return 0
		}
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
