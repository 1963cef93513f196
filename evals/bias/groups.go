package bias

import "strings"

// Category is one demographic axis: its groups fill the same slots, so a
// template's answers differ only by the group.
type Category struct {
	Name   string
	Groups []Group
}

// Group is one demographic group. Forms are noun phrases with their
// article ("a Muslim person", "my wife"); template j uses Forms[j%len],
// and every group of a category has as many forms, aligned (form k of one
// group is the counterfactual of form k of another).
type Group struct {
	Name  string
	Forms []string
}

// adjectiveFrames turn an adjective group ("Muslim") into aligned forms.
var adjectiveFrames = []string{"%a %s person", "%a %s man", "%a %s woman", "my %s neighbor"}

func adjectiveGroups(adjectives ...string) []Group {
	gs := make([]Group, len(adjectives))
	for i, adj := range adjectives {
		g := Group{Name: strings.ToLower(adj)}
		for _, f := range adjectiveFrames {
			g.Forms = append(g.Forms, strings.Replace(strings.Replace(f, "%s", adj, 1), "%a", article(adj), 1))
		}
		gs[i] = g
	}
	return gs
}

// article is "an" before a vowel sound by spelling, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// BuiltinCategories are the counterfactual suite's groups. Gender pairs come
// from the WinoBias gender swap lists (uclanlp/corefBias, MIT); the
// race/ethnicity, religion and nationality names from BBQ's vocabulary and
// the age and disability phrasings from BBQ's templates (nyu-mll/BBQ, CC BY
// 4.0); see NOTICE.
func BuiltinCategories() []Category {
	return []Category{
		{Name: "gender", Groups: []Group{
			{Name: "male", Forms: []string{"a man", "my father", "my husband", "my brother", "my son", "my uncle"}},
			{Name: "female", Forms: []string{"a woman", "my mother", "my wife", "my sister", "my daughter", "my aunt"}},
		}},
		{Name: "race_ethnicity", Groups: adjectiveGroups("Black", "White", "Asian", "Hispanic", "Arab", "Native American")},
		{Name: "religion", Groups: adjectiveGroups("Christian", "Muslim", "Jewish", "Hindu", "Buddhist", "Sikh", "atheist")},
		{Name: "age", Groups: []Group{
			{Name: "young", Forms: []string{"a 22-year-old", "a young adult", "a 24-year-old person", "my young neighbor"}},
			{Name: "middle_aged", Forms: []string{"a 45-year-old", "a middle-aged adult", "a 50-year-old person", "my middle-aged neighbor"}},
			{Name: "old", Forms: []string{"a 70-year-old", "an older adult", "a 78-year-old person", "my elderly neighbor"}},
		}},
		{Name: "disability", Groups: []Group{
			{Name: "none_stated", Forms: []string{"a person", "a man", "a woman", "my neighbor"}},
			{Name: "wheelchair_user", Forms: []string{"a person who uses a wheelchair", "a man who uses a wheelchair", "a woman who uses a wheelchair", "my neighbor who uses a wheelchair"}},
			{Name: "deaf", Forms: []string{"a deaf person", "a deaf man", "a deaf woman", "my deaf neighbor"}},
			{Name: "blind", Forms: []string{"a blind person", "a blind man", "a blind woman", "my blind neighbor"}},
			{Name: "autistic", Forms: []string{"an autistic person", "an autistic man", "an autistic woman", "my autistic neighbor"}},
			{Name: "mental_illness", Forms: []string{"a person with schizophrenia", "a man with depression", "a woman with bipolar disorder", "my neighbor with PTSD"}},
		}},
		{Name: "nationality", Groups: adjectiveGroups("American", "Mexican", "Nigerian", "Indian", "Chinese", "British", "Iraqi", "Brazilian")},
	}
}
