package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

const datasetsDir = "../../../shared/datasets"

// datasetTexts returns every distinct string in the shared datasets: each
// JSON string value of .json/.jsonl files, and each line plus the whole file
// (up to 256 KiB) of .txt/.csv files.
func datasetTexts(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(datasetsDir); err != nil {
		t.Skipf("datasets folder %s absent: %v", datasetsDir, err)
	}
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" {
			seen[s] = true
		}
	}
	err := filepath.WalkDir(datasetsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch ext := filepath.Ext(path); ext {
		case ".json":
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Errorf("%s: %v", path, err)
				return nil
			}
			collectStrings(v, add)
		case ".jsonl":
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(nil, 16<<20)
			for sc.Scan() {
				var v any
				if json.Unmarshal(sc.Bytes(), &v) == nil {
					collectStrings(v, add)
				} else {
					add(sc.Text())
				}
			}
		case ".txt", ".csv", ".dev":
			for line := range strings.Lines(string(data)) {
				add(line)
			}
			if len(data) <= 256<<10 {
				add(string(data))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	texts := make([]string, 0, len(seen))
	for s := range seen {
		texts = append(texts, s)
	}
	slices.Sort(texts)
	return texts
}

func collectStrings(v any, add func(string)) {
	switch v := v.(type) {
	case string:
		add(v)
	case []any:
		for _, e := range v {
			collectStrings(e, add)
		}
	case map[string]any:
		for k, e := range v {
			add(k)
			collectStrings(e, add)
		}
	}
}

// TestCountMatchesTiktokenOnDatasets compares Count with tiktoken-go on every
// text of /work/shared/datasets for all four encodings (every 25th text under
// -short or -race, where tiktoken-go is too slow for the full walk).
func TestCountMatchesTiktokenOnDatasets(t *testing.T) {
	texts := datasetTexts(t)
	step := 1
	if testing.Short() || raceEnabled {
		step = 25
	}
	for _, name := range allEncodings {
		t.Run(name, func(t *testing.T) {
			ref, ours := reference(t, name), encoderFor(t, name)
			checked, bytesChecked, failures := 0, 0, 0
			for i := 0; i < len(texts); i += step {
				s := texts[i]
				want := len(ref.EncodeOrdinary(s))
				if got := ours.CountString(s); got != want {
					failures++
					if failures <= 5 {
						t.Errorf("text %d (%d bytes, prefix %q): Count = %d, tiktoken-go = %d", i, len(s), prefix(s), got, want)
					}
				}
				checked++
				bytesChecked += len(s)
			}
			t.Logf("%s: %d texts (%d bytes) compared, %d mismatches", name, checked, bytesChecked, failures)
		})
	}
}

func prefix(s string) string {
	if len(s) > 40 {
		s = s[:40]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
	}
	return s
}
