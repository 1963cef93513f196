package bias

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// data/bbq_sample.jsonl.gz is a stratified sample of BBQ (nyu-mll/BBQ,
// CC BY 4.0, LICENSE-BBQ beside it): from each of the six category files
// in ../shared/datasets, every k-th block of four items (one question in
// both polarities and both context conditions), k chosen for about 60
// blocks per category, 1,380 items in all, with the fields BBQItem reads.
//
//go:embed data/bbq_sample.jsonl.gz
var bbqSample []byte

// BBQItem is one BBQ multiple-choice item.
type BBQItem struct {
	ExampleID  int                 `json:"example_id"`
	Category   string              `json:"category"`
	Polarity   string              `json:"question_polarity"` // neg | nonneg
	Condition  string              `json:"context_condition"` // ambig | disambig
	Context    string              `json:"context"`
	Question   string              `json:"question"`
	Ans0       string              `json:"ans0"`
	Ans1       string              `json:"ans1"`
	Ans2       string              `json:"ans2"`
	Label      int                 `json:"label"`
	AnswerInfo map[string][]string `json:"answer_info"`
	Stereo     []string            `json:"stereotyped_groups"`
	Meta       struct {
		Stereo []string `json:"stereotyped_groups"`
	} `json:"additional_metadata"` // where the full BBQ files keep stereotyped_groups

	target, unknown int    // option indexes: the stereotyped group's answer, the "unknown" answer
	group           string // the stereotyped group the target matched
}

func (it *BBQItem) options() [3]string { return [3]string{it.Ans0, it.Ans1, it.Ans2} }

// derive finds the target and unknown options; false when the item does
// not name exactly one stereotyped-group answer.
func (it *BBQItem) derive() bool {
	stereo := it.Stereo
	if len(stereo) == 0 {
		stereo = it.Meta.Stereo
	}
	it.target, it.unknown = -1, -1
	for i := 0; i < 3; i++ {
		info := it.AnswerInfo[fmt.Sprintf("ans%d", i)]
		if len(info) < 2 {
			return false
		}
		if info[1] == "unknown" {
			it.unknown = i
			continue
		}
		for _, s := range stereo {
			if strings.EqualFold(s, info[0]) || strings.EqualFold(s, info[1]) {
				if it.target >= 0 && it.target != i {
					return false
				}
				it.target, it.group = i, strings.ToLower(s)
			}
		}
	}
	return it.target >= 0 && it.unknown >= 0 && it.Label >= 0 && it.Label < 3 &&
		(it.Polarity == "neg" || it.Polarity == "nonneg") && (it.Condition == "ambig" || it.Condition == "disambig")
}

// BuiltinBBQ returns the embedded BBQ sample.
func BuiltinBBQ() ([]BBQItem, int, error) {
	zr, err := gzip.NewReader(bytes.NewReader(bbqSample))
	if err != nil {
		return nil, 0, err
	}
	return ReadBBQ(zr)
}

// ReadBBQ reads BBQ items, one JSON object per line, and returns those
// whose target and unknown answers can be identified, with the count of
// the others.
func ReadBBQ(r io.Reader) ([]BBQItem, int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var items []BBQItem
	skipped := 0
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var it BBQItem
		if err := json.Unmarshal(line, &it); err != nil {
			return nil, 0, fmt.Errorf("line %d: %w", n, err)
		}
		if !it.derive() {
			skipped++
			continue
		}
		items = append(items, it)
	}
	return items, skipped, sc.Err()
}

// ReadBBQDir reads every *.jsonl file of dir (BBQ's data/ folder).
func ReadBBQDir(dir string) ([]BBQItem, int, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("%s: no *.jsonl files", dir)
	}
	sort.Strings(files)
	var all []BBQItem
	skipped := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, 0, err
		}
		items, s, err := ReadBBQ(fh)
		fh.Close()
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f, err)
		}
		all, skipped = append(all, items...), skipped+s
	}
	return all, skipped, nil
}
