package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
)

// sources is one read of the policy directory or bundle.
type sources struct {
	modules map[string]*ast.Module // by file name, _test.rego included
	data    map[string]any
	hash    string // hex sha256 of every loaded file's name and bytes
}

// isBundle reports whether path names an OPA bundle archive.
func isBundle(path string) bool { return strings.HasSuffix(path, ".tar.gz") }

// policyFile reports whether the loader reads name (what the hash and the watcher must cover).
func policyFile(name string) bool {
	switch filepath.Ext(name) {
	case ".rego", ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// readSources parses every policy and data file under paths (Rego v1):
// directories, single files, or bundle archives; data documents merge.
func readSources(paths ...string) (*sources, error) {
	src := &sources{modules: map[string]*ast.Module{}, data: map[string]any{}}
	h := sha256.New()
	fl := loader.NewFileLoader().WithRegoVersion(ast.RegoV1).WithProcessAnnotation(true)
	var plain []string
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		if err := hashFiles(h, path); err != nil {
			return nil, err
		}
		if !isBundle(path) {
			plain = append(plain, path)
			continue
		}
		b, err := fl.AsBundle(path)
		if err != nil {
			return nil, fmt.Errorf("policy bundle %s: %w", path, err)
		}
		for _, m := range b.Modules {
			src.modules[m.Path] = m.Parsed
		}
		if err := mergeData(src.data, b.Data, path); err != nil {
			return nil, err
		}
	}
	if len(plain) > 0 {
		res, err := fl.Filtered(plain, func(_ string, info fs.FileInfo, depth int) bool {
			if depth > 0 && strings.HasPrefix(info.Name(), ".") {
				return true // .git and the like
			}
			return !info.IsDir() && !policyFile(info.Name()) // skip READMEs and the like
		})
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		for name, m := range res.Modules {
			src.modules[name] = m.Parsed
		}
		if err := mergeData(src.data, res.Documents, strings.Join(plain, ", ")); err != nil {
			return nil, err
		}
	}
	src.hash = hex.EncodeToString(h.Sum(nil))[:16]
	return src, nil
}

// mergeData deep-merges src into dst; a conflicting leaf is an error.
func mergeData(dst, src map[string]any, from string) error {
	for k, v := range src {
		old, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		om, ok1 := old.(map[string]any)
		nm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return fmt.Errorf("policy data %s: key %q is defined twice", from, k)
		}
		if err := mergeData(om, nm, from); err != nil {
			return err
		}
	}
	return nil
}

// fileStamp is the cheap per-file state the watcher compares between polls.
type fileStamp struct {
	name  string
	size  int64
	mtime time.Time
}

// stamps lists the policy files under path (or the bundle file itself), sorted.
func stamps(path string) ([]fileStamp, error) {
	var out []fileStamp
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || (!isBundle(path) && !policyFile(p)) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, fileStamp{name: p, size: info.Size(), mtime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	slices.SortFunc(out, func(a, b fileStamp) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// hashFiles feeds the names and bytes of the policy files under path to h:
// the revision id is this hash, so an untouched reload is a no-op.
func hashFiles(h hash.Hash, path string) error {
	st, err := stamps(path)
	if err != nil {
		return err
	}
	for _, s := range st {
		b, err := os.ReadFile(s.name)
		if err != nil {
			return fmt.Errorf("policy: %w", err)
		}
		rel, _ := filepath.Rel(path, s.name)
		fmt.Fprintf(h, "%s\x00%d\x00", rel, len(b))
		h.Write(b)
	}
	return nil
}

// isTestFile reports whether a module only holds tests (not served).
func isTestFile(name string) bool { return strings.HasSuffix(name, "_test.rego") }
