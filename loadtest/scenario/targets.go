package scenario

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Target is one line of loadtest/targets: a gateway config measured beside
// the bare proxy (each pipeline stage that ships adds its line there).
type Target struct {
	Name   string // the table's row
	Key    string // the virtual key sent; empty = none
	Config string // the config file, relative to the repository
	Edits  string // sed expressions applied to a copy of it
}

var targetLine = regexp.MustCompile(`^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$`)

// ReadTargets parses loadtest/targets (name port key config [sed edits];
// the port column is historical: the runner picks free ports).
func (e *Env) ReadTargets() ([]Target, error) {
	path := filepath.Join(e.root, "loadtest", "targets")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Target
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := targetLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("%s:%d: want: name port key config [sed edits]", path, n)
		}
		t := Target{Name: m[1], Key: m[3], Config: m[4], Edits: m[5]}
		if t.Key == "-" {
			t.Key = ""
		}
		out = append(out, t)
	}
	return out, sc.Err()
}

// TargetYAML is the target's config with its edits applied (by sed, as the
// targets file is written) and the mock's address put in place of the
// historical 127.0.0.1:18080.
func (e *Env) TargetYAML(t Target, mockAddr string) (string, error) {
	cfg, err := os.ReadFile(filepath.Join(e.root, t.Config))
	if err != nil {
		return "", err
	}
	out := string(cfg)
	if t.Edits != "" {
		cmd := command(e.ctx, "sed", "-e", t.Edits)
		cmd.Stdin = strings.NewReader(out)
		b, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("target %s: sed %q: %w", t.Name, t.Edits, err)
		}
		out = string(b)
	}
	return strings.ReplaceAll(out, "127.0.0.1:18080", mockAddr), nil
}
