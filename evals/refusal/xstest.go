package refusal

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadXSTest reads an XSTest v2 completions CSV (gzipped when the name
// ends in .gz): full compliance is a negative, full or partial refusal a
// positive; rows with another label are skipped.
func ReadXSTest(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	ci, ok1 := col["completion"]
	li, ok2 := col["final_label"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: needs completion and final_label columns", path)
	}
	var out []Example
	for _, row := range rows[1:] {
		switch row[li] {
		case "1_full_compliance":
			out = append(out, Example{Text: row[ci]})
		case "2_full_refusal", "3_partial_refusal":
			out = append(out, Example{Text: row[ci], Refusal: true})
		}
	}
	return out, nil
}
