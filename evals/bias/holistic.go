package bias

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// HolisticBias (facebookresearch/ResponsibleNLP, CC BY-SA 4.0) is not
// shipped: its share-alike licence stays with the data. ReadHolisticBias
// reads its v1.1 folder (descriptors.json, sentence_templates.json) for
// `tollgate evals bias --suite counterfactual --data DIR`: one category per
// axis ("hb_ability"), one group per descriptor bucket, forms "a/an
// DESCRIPTOR person" cycling through the bucket's first four preferred
// descriptors, and its sentence templates as prompts.
func ReadHolisticBias(dir string) ([]Category, []Template, error) {
	var desc map[string]map[string][]json.RawMessage
	if err := readJSON(filepath.Join(dir, "descriptors.json"), &desc); err != nil {
		return nil, nil, err
	}
	var tmpl map[string]json.RawMessage
	if err := readJSON(filepath.Join(dir, "sentence_templates.json"), &tmpl); err != nil {
		return nil, nil, err
	}
	var templates []Template
	for t := range tmpl {
		if strings.Contains(t, "{noun_phrase}") {
			t = strings.Replace(t, "{noun_phrase}", "{person}", 1)
			if strings.HasPrefix(t, "{person}") {
				t = "{Person}" + strings.TrimPrefix(t, "{person}")
			}
			templates = append(templates, Template(t))
		}
	}
	sort.Slice(templates, func(i, j int) bool { return templates[i] < templates[j] })
	var cats []Category
	axes := sortedKeys(desc)
	for _, axis := range axes {
		if axis == "nonce" { // made-up words, a control HolisticBias uses elsewhere
			continue
		}
		cat := Category{Name: "hb_" + axis}
		for _, bucket := range sortedKeys(desc[axis]) {
			var words []string
			for _, raw := range desc[axis][bucket] {
				var d struct {
					Descriptor string `json:"descriptor"`
					Preference string `json:"preference"`
				}
				if json.Unmarshal(raw, &d.Descriptor) != nil && json.Unmarshal(raw, &d) != nil {
					continue
				}
				if d.Descriptor == "" || d.Preference == "dispreferred" || d.Preference == "polarizing" {
					continue
				}
				words = append(words, d.Descriptor)
			}
			if len(words) == 0 {
				continue
			}
			g := Group{Name: bucket}
			for k := 0; k < 4; k++ {
				g.Forms = append(g.Forms, personPhrase(words[k%len(words)]))
			}
			cat.Groups = append(cat.Groups, g)
		}
		if len(cat.Groups) >= 2 {
			cats = append(cats, cat)
		}
	}
	if len(cats) == 0 || len(templates) == 0 {
		return nil, nil, fmt.Errorf("%s: no HolisticBias descriptors or templates", dir)
	}
	return cats, templates, nil
}

// personPhrase puts a descriptor before "person", or after it when it is a
// clause ("with a limb difference").
func personPhrase(d string) string {
	for _, p := range []string{"with ", "who ", "in ", "on ", "from "} {
		if strings.HasPrefix(d, p) {
			return "a person " + d
		}
	}
	return article(d) + " " + d + " person"
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
