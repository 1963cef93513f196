package filters

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"go.yaml.in/yaml/v3"
)

const cliUsage = `usage: tollgate filters scan [--lines] [--config FILE] [FILE]
  scan          print the findings in FILE (stdin without FILE) as JSON:
                {"findings":[{"kind":…,"start":…,"end":…,"score":…}]}
                start/end are UTF-8 byte offsets into the original text, end exclusive
  --lines       each input line is its own document; one JSON object per line, in order:
                {"line":N,"findings":[…]} (N from 1; offsets exclude the \n or \r\n)
  --config FILE a filters config in YAML (detectors, thresholds, blocklists,
                decode_blobs); the embedded defaults otherwise
`

// RunCLI runs `tollgate filters ARGS...` and returns the exit code: 0 ok,
// 1 an input error, 2 usage or config errors.
func RunCLI(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		w := stderr
		code := 2
		if len(args) > 0 {
			w, code = stdout, 0
		}
		fmt.Fprint(w, cliUsage)
		return code
	}
	if args[0] != "scan" {
		fmt.Fprintf(stderr, "tollgate filters: unknown command %q\n%s", args[0], cliUsage)
		return 2
	}
	var lines bool
	var cfgPath, file string
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		switch a := rest[i]; {
		case a == "--lines" || a == "-lines":
			lines = true
		case a == "--config" || a == "-config":
			if i+1 >= len(rest) {
				fmt.Fprintf(stderr, "tollgate filters scan: --config needs a FILE\n%s", cliUsage)
				return 2
			}
			i++
			cfgPath = rest[i]
		case len(a) > 9 && a[:9] == "--config=":
			cfgPath = a[9:]
		case a == "-" || len(a) > 0 && a[0] != '-':
			if file != "" {
				fmt.Fprintf(stderr, "tollgate filters scan: one FILE at most\n%s", cliUsage)
				return 2
			}
			file = a
		default:
			fmt.Fprintf(stderr, "tollgate filters scan: unknown flag %q\n%s", a, cliUsage)
			return 2
		}
	}
	cfg := DefaultConfig()
	if cfgPath != "" {
		var err error
		if cfg, err = LoadConfigFile(cfgPath); err != nil {
			fmt.Fprintf(stderr, "tollgate filters scan: %v\n", err)
			return 2
		}
	}
	s, err := New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "tollgate filters scan: %v\n", err)
		return 2
	}
	in := stdin
	if file != "" && file != "-" {
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintf(stderr, "tollgate filters scan: %v\n", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	out := bufio.NewWriterSize(stdout, 64<<10)
	if lines {
		err = scanLines(s, in, out)
	} else {
		var text []byte
		if text, err = io.ReadAll(in); err == nil {
			found := s.Scan(text, nil)
			buf := []byte(`{"findings":`)
			buf = appendFindingsJSON(buf, found)
			buf = append(buf, "}\n"...)
			_, err = out.Write(buf)
		}
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintf(stderr, "tollgate filters scan: %v\n", err)
		return 1
	}
	return 0
}

// scanLines prints one object per input line, empty and invalid ones too.
func scanLines(s *Scanner, in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 64<<10)
	var found []Finding
	var buf []byte
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		found = s.Scan(line, found[:0])
		buf = append(buf[:0], `{"line":`...)
		buf = strconv.AppendInt(buf, int64(n), 10)
		buf = append(buf, `,"findings":`...)
		buf = appendFindingsJSON(buf, found)
		buf = append(buf, "}\n"...)
		if _, werr := out.Write(buf); werr != nil {
			return werr
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// appendFindingsJSON writes findings as a JSON array (kinds are plain
// ASCII names, so they need no escaping).
func appendFindingsJSON(b []byte, fs []Finding) []byte {
	b = append(b, '[')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"kind":`...)
		b = strconv.AppendQuote(b, f.Kind)
		b = append(b, `,"start":`...)
		b = strconv.AppendInt(b, int64(f.Start), 10)
		b = append(b, `,"end":`...)
		b = strconv.AppendInt(b, int64(f.End), 10)
		b = append(b, `,"score":`...)
		b = strconv.AppendFloat(b, f.Score, 'f', -1, 64)
		b = append(b, '}')
	}
	return append(b, ']')
}

// LoadConfigFile reads a filters config in YAML. Keys it leaves out keep
// their DefaultConfig values; unknown keys are errors.
func LoadConfigFile(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(b)
}

// ParseConfig parses a filters config in YAML over DefaultConfig.
func ParseConfig(b []byte) (Config, error) {
	cfg := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("filters config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
