package corpus

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Technical text is what a gateway carries all day and what jailbreak
// corpora never contain: source code and technical documentation, full of
// brackets, "system", "admin", "policy", "deny" and "ignore". Without it the
// model learns that punctuation-heavy text is an attack.
//
// goChunks cuts Go standard library sources (BSD-3-Clause) into chunks of
// 300 to 2,500 bytes at line boundaries: every 7th non-test file, in path
// order, one chunk each; the package directory is the group.
func goChunks(goroot string) ([]Item, error) {
	var files []string
	root := filepath.Join(goroot, "src")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var items []Item
	for i := 0; i < len(files); i += 7 {
		b, err := os.ReadFile(files[i])
		if err != nil {
			return nil, err
		}
		size := 300 + (i*37)%2200
		start := (i * 131) % max(len(b)-size, 1)
		text := lineAligned(string(b), start, size)
		rel, _ := filepath.Rel(root, filepath.Dir(files[i]))
		items = append(items, Item{Source: "go_source", Group: rel, Split: splitOf("go_source", rel), Label: 0, Text: text})
	}
	return items, nil
}

// lineAligned returns about size bytes of s from the line at or after start.
func lineAligned(s string, start, size int) string {
	if start > 0 {
		if k := strings.IndexByte(s[start:], '\n'); k >= 0 {
			start += k + 1
		}
	}
	end := min(start+size, len(s))
	if k := strings.LastIndexByte(s[start:end], '\n'); k > 0 && end < len(s) {
		end = start + k
	}
	return strings.TrimSpace(s[start:end])
}

// docSections cuts Tollgate's own documentation (docs/*.md except
// filters.md, which quotes attacks, and README.md) into its "##" sections,
// long ones into 3,000-byte pieces; the file is the group.
func docSections(repo string) ([]Item, error) {
	files, err := filepath.Glob(filepath.Join(repo, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	files = append(files, filepath.Join(repo, "README.md"))
	sort.Strings(files)
	var items []Item
	for _, f := range files {
		if filepath.Base(f) == "filters.md" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		group := filepath.Base(f)
		for _, sec := range strings.Split("\n"+string(b), "\n## ") {
			for len(sec) > 0 {
				piece := lineAligned(sec, 0, 3000)
				if piece == "" {
					break
				}
				items = append(items, Item{Source: "tollgate_docs", Group: group, Split: splitOf("tollgate_docs", group), Label: 0, Text: piece})
				idx := strings.Index(sec, piece)
				sec = sec[idx+len(piece):]
			}
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("no documentation under %s", repo)
	}
	return items, nil
}
