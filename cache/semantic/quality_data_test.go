package semantic

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The semantic-cache quality dataset: question templates, each with several phrasings of one meaning (pairs of
// them should hit) and slots whose change alters the answer (pairs that differ in one slot must not hit). Written
// for this test; no outside data.

// pairKind says what a pair tests: a paraphrase (should hit) or which near-miss (should not).
type pairKind string

const (
	paraphrase pairKind = "paraphrase"
	nearNumber pairKind = "number"
	nearNegate pairKind = "negation"
	nearName   pairKind = "name"
	nearUnit   pairKind = "unit"
	nearNoun   pairKind = "common noun" // outside Guard's reach: reported, not part of the floors
)

type textPair struct {
	a, b     string
	kind     pairKind
	template int
}

// template is one question in several phrasings. Slots are written {N} {M} (numbers), {NAME} {NAME2} (names),
// {U} {U2} (units), {X} (a common noun); negated phrasings mean the opposite of the plain ones.
type template struct {
	variants []string
	negated  []string
}

var templates = []template{
	{variants: []string{"What is {N} plus {M}?", "what is {N} + {M}", "What's {N} plus {M}?", "Calculate {N} + {M}.", "Please compute {N} plus {M}"}},
	{variants: []string{"What is {N} times {M}?", "what's {N} times {M}", "What is {N} multiplied by {M}?", "Multiply {N} by {M}."}},
	{variants: []string{"Convert {N} {U} to {U2}", "convert {N} {U} into {U2}", "How many {U2} is {N} {U}?", "What is {N} {U} in {U2}?"}},
	{variants: []string{"What is the capital of {NAME}?", "What's the capital of {NAME}?", "what is the capital city of {NAME}", "Tell me the capital of {NAME}.", "Which city is the capital of {NAME}?"}},
	{variants: []string{"What is the population of {NAME}?", "What's the population of {NAME}", "How many people live in {NAME}?", "what is the current population of {NAME}?"}},
	{variants: []string{"Is it safe to travel to {NAME} in {N}?", "Is it safe to travel to {NAME} in {N}", "Is traveling to {NAME} in {N} safe?", "is it safe to visit {NAME} in {N}?"},
		negated: []string{"Is it not safe to travel to {NAME} in {N}?", "Is it unsafe to travel to {NAME} in {N}?"}},
	{variants: []string{"How do I reset my {X} password?", "How can I reset my {X} password?", "how do i reset my {X} password", "What are the steps to reset my {X} password?"},
		negated: []string{"How do I not reset my {X} password?", "Why can't I reset my {X} password?"}},
	{variants: []string{"Who wrote the novel {NAME}?", "Who is the author of the novel {NAME}?", "who wrote the novel {NAME}", "Who was the writer of the novel {NAME}?"}},
	{variants: []string{"Write a short poem about {NAME} and the sea.", "Write a short poem about {NAME} and the sea", "Please write a short poem about {NAME} and the sea.", "Compose a short poem about {NAME} and the sea."}},
	{variants: []string{"How long does it take to boil an egg for {N} minutes at altitude?", "how long does it take to boil an egg for {N} minutes at altitude", "How long does it take to boil an egg for {N} minutes at high altitude?"}},
	{variants: []string{"Is {X} safe for dogs to eat?", "Is {X} safe for dogs to eat", "Can dogs safely eat {X}?", "is {X} safe for a dog to eat?", "Is it safe for dogs to eat {X}?"},
		negated: []string{"Is {X} not safe for dogs to eat?", "Why is {X} not safe for dogs to eat?"}},
	{variants: []string{"Translate 'good morning' into {NAME}.", "Translate good morning into {NAME}", "How do you say good morning in {NAME}?", "translate 'good morning' to {NAME}"}},
	{variants: []string{"What is the time difference between {NAME} and {NAME2}?", "What's the time difference between {NAME} and {NAME2}", "what is the time difference between {NAME} and {NAME2}?", "How many hours apart are {NAME} and {NAME2}?"}},
	{variants: []string{"How many calories are in {N} grams of {X}?", "how many calories are in {N} grams of {X}", "How many calories does {N} grams of {X} have?", "What is the calorie count of {N} grams of {X}?"}},
	{variants: []string{"Set a timer for {N} {U}.", "set a timer for {N} {U}", "Please set a timer for {N} {U}", "Start a timer for {N} {U}."}},
	{variants: []string{"Should I use {NAME} or {NAME2} for a web backend?", "Should I use {NAME} or {NAME2} for a web backend", "For a web backend, should I use {NAME} or {NAME2}?", "should i pick {NAME} or {NAME2} for a web backend?"}},
	{variants: []string{"Does {NAME} support {X} out of the box?", "Does {NAME} support {X} out of the box", "does {NAME} support {X} out of the box?", "Is {X} supported by {NAME} out of the box?"},
		negated: []string{"Does {NAME} not support {X} out of the box?", "Why doesn't {NAME} support {X} out of the box?"}},
	{variants: []string{"What year did {NAME} win the World Cup?", "In what year did {NAME} win the World Cup?", "what year did {NAME} win the World Cup", "When did {NAME} win the World Cup?"}},
	{variants: []string{"Summarize the plot of {NAME} in {N} sentences.", "Summarize the plot of {NAME} in {N} sentences", "summarise the plot of {NAME} in {N} sentences.", "Give me a summary of the plot of {NAME} in {N} sentences."}},
	{variants: []string{"What is the boiling point of water at {N} {U}?", "what is the boiling point of water at {N} {U}", "What's the boiling point of water at {N} {U}?", "At {N} {U}, what is the boiling point of water?"}},
	{variants: []string{"Can I take {X} with alcohol?", "Can I take {X} with alcohol", "can i take {X} together with alcohol?", "Is it OK to take {X} with alcohol?"},
		negated: []string{"Can I not take {X} with alcohol?", "Why can't I take {X} with alcohol?"}},
	{variants: []string{"How do I sort a list in {NAME}?", "How do I sort a list in {NAME}", "how to sort a list in {NAME}?", "What is the way to sort a list in {NAME}?"}},
	{variants: []string{"Give me {N} ideas for a birthday party.", "Give me {N} ideas for a birthday party", "give me {N} birthday party ideas", "Suggest {N} ideas for a birthday party."}},
	{variants: []string{"What is the distance from {NAME} to {NAME2}?", "What's the distance from {NAME} to {NAME2}", "How far is it from {NAME} to {NAME2}?", "what is the distance between {NAME} and {NAME2}?"}},
	{variants: []string{"Is the {X} included in the price?", "Is the {X} included in the price", "is the {X} included in the price?", "Does the price include the {X}?"},
		negated: []string{"Is the {X} not included in the price?", "Why is the {X} not included in the price?"}},
	{variants: []string{"What is {N} percent of {M}?", "what is {N} percent of {M}", "What's {N}% of {M}?", "Calculate {N} percent of {M}."}},
	{variants: []string{"How much does a flight from {NAME} to {NAME2} cost?", "How much does a flight from {NAME} to {NAME2} cost", "how much is a flight from {NAME} to {NAME2}?", "What does a flight from {NAME} to {NAME2} cost?"}},
	{variants: []string{"Explain how {X} works to a {N} year old.", "Explain how {X} works to a {N} year old", "explain how {X} works to a {N}-year-old", "Can you explain how {X} works to a {N} year old?"}},
	{variants: []string{"Preheat the oven to {N} degrees {U} for how long?", "How long should I preheat the oven to {N} degrees {U}?", "how long to preheat the oven to {N} degrees {U}?"}},
	{variants: []string{"Do I need a visa to visit {NAME}?", "Do I need a visa to visit {NAME}", "do i need a visa to visit {NAME}?", "Is a visa required to visit {NAME}?"},
		negated: []string{"Do I not need a visa to visit {NAME}?", "Why don't I need a visa to visit {NAME}?"}},
	{variants: []string{"List the top {N} tourist attractions in {NAME}.", "List the top {N} tourist attractions in {NAME}", "list the top {N} tourist attractions in {NAME}", "What are the top {N} tourist attractions in {NAME}?"}},
	{variants: []string{"Will it rain in {NAME} tomorrow?", "Will it rain in {NAME} tomorrow", "will it rain tomorrow in {NAME}?", "Is it going to rain in {NAME} tomorrow?"},
		negated: []string{"Will it not rain in {NAME} tomorrow?", "Why won't it rain in {NAME} tomorrow?"}},
}

// freshTemplates were written after Guard's word lists were tuned on templates, and never used to tune them: the
// held-out set the floors are asserted on.
var freshTemplates = []template{
	{variants: []string{"How much is {N} divided by {M}?", "what's {N} divided by {M}", "Divide {N} by {M}.", "{N} / {M} = ?"}},
	{variants: []string{"What's the weather like in {NAME} in spring?", "How is the weather in {NAME} during spring?", "what is the weather like in {NAME} in the spring", "Describe the spring weather in {NAME}."}},
	{variants: []string{"Recommend {N} books similar to {NAME}.", "Can you recommend {N} books like {NAME}?", "recommend {N} books similar to {NAME}", "I want {N} book recommendations similar to {NAME}."}},
	{variants: []string{"Is {X} good for weight loss?", "is {X} good for losing weight?", "Does {X} help with weight loss?", "Is {X} good for weight loss"},
		negated: []string{"Is {X} bad for weight loss?", "Is {X} not good for weight loss?"}},
	{variants: []string{"How many {U2} are in {N} {U}?", "How many {U2} in {N} {U}", "{N} {U} equals how many {U2}?", "Convert {N} {U} to {U2}, please."}},
	{variants: []string{"Who founded {NAME}?", "who was the founder of {NAME}?", "Who is the founder of {NAME}?", "Tell me who founded {NAME}."}},
	{variants: []string{"Can you fix this {X} error in my code?", "Please fix this {X} error in my code.", "How do I fix this {X} error in my code?", "fix this {X} error in my code"},
		negated: []string{"Why can't you fix this {X} error in my code?", "Don't fix this {X} error in my code."}},
	{variants: []string{"Book a table for {N} people at {NAME}.", "Reserve a table for {N} at {NAME}.", "book a table for {N} people at {NAME}", "Can you book a table for {N} people at {NAME}?"}},
	{variants: []string{"What is the exchange rate from {NAME} to {NAME2}?", "what's the {NAME} to {NAME2} exchange rate", "How much is one {NAME} in {NAME2}?", "Exchange rate {NAME} to {NAME2}?"}},
	{variants: []string{"Does {X} contain gluten?", "does {X} have gluten in it?", "Is there gluten in {X}?", "Does {X} contain any gluten?"},
		negated: []string{"Does {X} not contain gluten?", "Why doesn't {X} contain gluten?"}},
	{variants: []string{"Give me a {N}-day itinerary for {NAME}.", "Plan a {N} day trip to {NAME}.", "give me a {N} day itinerary for {NAME}", "What should I do in {NAME} for {N} days?"}},
	{variants: []string{"Explain the difference between {X} and {NAME}.", "What is the difference between {X} and {NAME}?", "explain the difference between {X} and {NAME}", "How does {X} differ from {NAME}?"}},
	{variants: []string{"What time is it in {NAME} right now?", "what time is it now in {NAME}", "Current time in {NAME}?", "What's the current time in {NAME}?"}},
	{variants: []string{"Is {NAME} older than {NAME2}?", "is {NAME} older than {NAME2}", "Which is older, {NAME} or {NAME2}?", "Is {NAME} older than {NAME2}"},
		negated: []string{"Is {NAME} not older than {NAME2}?", "Isn't {NAME} older than {NAME2}?"}},
	{variants: []string{"Write an email asking {NAME} for a {N} day extension.", "Draft an email to {NAME} asking for a {N}-day extension.", "write an email asking {NAME} for a {N} day extension", "Compose an email requesting a {N} day extension from {NAME}."}},
	{variants: []string{"How do I cancel my {X} subscription?", "how can i cancel my {X} subscription", "What's the way to cancel my {X} subscription?", "Cancel my {X} subscription, how?"},
		negated: []string{"Why can't I cancel my {X} subscription?", "How do I not cancel my {X} subscription?"}},
}

// Slot fillers. Names are capitalised (Guard recognises them); common nouns are not.
var (
	fillNames = []string{"France", "Germany", "Japan", "Spain", "Italy", "Egypt", "Canada", "Brazil", "India", "Mexico",
		"Paris", "London", "Tokyo", "Berlin", "Madrid", "Rome", "Cairo", "Sydney", "Toronto", "Lisbon", "Python", "Rust",
		"Java", "Kotlin", "Alice", "Bob", "Maria", "Ahmed", "Dune", "Emma", "Postgres", "Redis", "Norway", "Peru"}
	fillNouns = []string{"chocolate", "grapes", "cheese", "email", "bank", "wifi", "breakfast", "parking", "insurance",
		"ibuprofen", "aspirin", "caffeine", "pagination", "caching", "encryption", "photosynthesis", "gravity",
		"rice", "chicken", "avocado", "apple", "salmon", "garlic", "onion", "router", "blockchain"}
	fillUnits = [][2]string{{"km", "miles"}, {"kilograms", "pounds"}, {"celsius", "fahrenheit"}, {"liters", "gallons"},
		{"meters", "feet"}, {"hours", "minutes"}, {"dollars", "euros"}, {"ounces", "grams"}, {"inches", "centimeters"}}
)

// fill is one choice of slot values.
type fill map[string]string

func (f fill) apply(s string) string {
	for k, v := range f {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func randomFill(r *rand.Rand) fill {
	u := fillUnits[r.IntN(len(fillUnits))]
	if r.IntN(2) == 0 {
		u[0], u[1] = u[1], u[0]
	}
	n1 := fillNames[r.IntN(len(fillNames))]
	n2 := fillNames[r.IntN(len(fillNames))]
	for n2 == n1 {
		n2 = fillNames[r.IntN(len(fillNames))]
	}
	return fill{"N": fmt.Sprint(2 + r.IntN(97)), "M": fmt.Sprint(2 + r.IntN(97)), "NAME": n1, "NAME2": n2,
		"U": u[0], "U2": u[1], "X": fillNouns[r.IntN(len(fillNouns))]}
}

// changed returns f with slot changed to another value of its kind.
func (f fill) changed(r *rand.Rand, slot string) fill {
	g := fill{}
	for k, v := range f {
		g[k] = v
	}
	for g[slot] == f[slot] {
		switch slot {
		case "N", "M":
			g[slot] = fmt.Sprint(2 + r.IntN(97))
		case "NAME", "NAME2":
			g[slot] = fillNames[r.IntN(len(fillNames))]
		case "U", "U2":
			g[slot] = fillUnits[r.IntN(len(fillUnits))][r.IntN(2)]
		case "X":
			g[slot] = fillNouns[r.IntN(len(fillNouns))]
		}
	}
	return g
}

var slotKinds = map[string]pairKind{"N": nearNumber, "M": nearNumber, "NAME": nearName, "NAME2": nearName,
	"U": nearUnit, "U2": nearUnit, "X": nearNoun}

// qualityPairs generates the dataset: per template and fill, every pair of phrasings (paraphrases); per slot the
// template uses, the same phrasing and another one with that slot changed (near-misses); per negated phrasing,
// a plain phrasing against it. fillsPerTemplate fills are drawn per template, deterministically.
func qualityPairs(templates []template, fillsPerTemplate int) []textPair {
	r := rand.New(rand.NewPCG(2026, 13))
	var pairs []textPair
	for ti, tp := range templates {
		for range fillsPerTemplate {
			f := randomFill(r)
			for i := range tp.variants {
				for j := i + 1; j < len(tp.variants); j++ {
					pairs = append(pairs, textPair{f.apply(tp.variants[i]), f.apply(tp.variants[j]), paraphrase, ti})
				}
			}
			for _, slot := range []string{"N", "M", "NAME", "NAME2", "U", "U2", "X"} {
				if !strings.Contains(tp.variants[0], "{"+slot+"}") {
					continue
				}
				g := f.changed(r, slot)
				i := r.IntN(len(tp.variants))
				j := (i + 1 + r.IntN(len(tp.variants)-1)) % len(tp.variants)
				pairs = append(pairs,
					textPair{f.apply(tp.variants[i]), g.apply(tp.variants[i]), slotKinds[slot], ti},
					textPair{f.apply(tp.variants[i]), g.apply(tp.variants[j]), slotKinds[slot], ti})
			}
			for _, neg := range tp.negated {
				i := r.IntN(len(tp.variants))
				pairs = append(pairs, textPair{f.apply(tp.variants[i]), f.apply(neg), nearNegate, ti})
			}
		}
	}
	return pairs
}
