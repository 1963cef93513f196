package tokenizer

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
)

// maxCLIInput bounds what `tollgate tokens` reads (stdin or file).
const maxCLIInput = 256 << 20

// RunCLI implements `tollgate tokens --model M [--encoding E] [FILE]`: it
// prints the token count of the raw text of FILE (stdin when absent).
// --encoding overrides the model's encoding; one of the two is required.
// It returns the exit code: 0 ok, 1 runtime error, 2 usage error.
func RunCLI(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tollgate tokens", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "model name, e.g. gpt-4o (selects the encoding)")
	encoding := fs.String("encoding", "", "encoding: o200k_base, cl100k_base, p50k_base or r50k_base (overrides --model)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tollgate tokens --model M [--encoding E] [FILE]\nPrints the token count of FILE's raw text (stdin when no FILE).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "tollgate tokens: "+msg)
		fs.Usage()
		return 2
	}
	if fs.NArg() > 1 {
		return usage(fmt.Sprintf("want at most one FILE, got %d arguments", fs.NArg()))
	}
	if *model == "" && *encoding == "" {
		return usage("--model or --encoding is required")
	}
	reg, err := New(Options{})
	if err != nil {
		fmt.Fprintln(stderr, "tollgate tokens:", err)
		return 1
	}
	var enc *Encoder
	if *encoding != "" {
		enc, err = reg.ForEncoding(*encoding)
	} else {
		enc, err = reg.ForModel(*model)
	}
	if err != nil {
		return usage(err.Error())
	}
	in, name := stdin, "stdin"
	if fs.NArg() == 1 {
		name = fs.Arg(0)
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(stderr, "tollgate tokens:", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	text, err := io.ReadAll(io.LimitReader(in, maxCLIInput+1))
	if err != nil {
		fmt.Fprintf(stderr, "tollgate tokens: read %s: %v\n", name, err)
		return 1
	}
	if len(text) > maxCLIInput {
		fmt.Fprintf(stderr, "tollgate tokens: %s is larger than %d bytes\n", name, maxCLIInput)
		return 1
	}
	fmt.Fprintln(stdout, strconv.Itoa(enc.Count(text)))
	return 0
}
