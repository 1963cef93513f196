package semantic

import "testing"

func TestGuardAgrees(t *testing.T) {
	for _, c := range [][2]string{
		{"What is 2+2?", "what's 2 + 2"},
		{"How do I reset my password?", "How can I reset my password"},
		{"What is the capital of France?", "Tell me France's capital."},
		{"Convert 5 km to miles", "Convert five kilometres into miles"},
		{"Is it safe to eat raw eggs?", "Are raw eggs safe to eat?"},
		{"Why doesn't my code compile?", "Why does my code not compile?"},
		{"The price is $1,000.50 total", "total price: $1000.5"},
		{"Who wrote Hamlet?", "Hamlet was written by whom?"},
		{"Explain NASA's budget", "Explain the budget of NASA"},
		{"Give me the 3rd item", "give me the third item"},
		{"Convert 29 km to miles", "How many miles is 29 kilometers?"},
		{"Is $5 a lot?", "is 5 dollars a lot"},
		{"What is 45 percent of 76?", "What's 45% of 76?"},
		{"Should I use Rust?", "should i use Rust"},
		{"Multiply 16 by 53.", "What is 16 times 53?"},
	} {
		if !Guard(c[0], c[1]) {
			t.Errorf("Guard(%q, %q) = false; signatures %q and %q", c[0], c[1], Signature(c[0]), Signature(c[1]))
		}
	}
}

func TestGuardRejectsNearMisses(t *testing.T) {
	for _, c := range [][2]string{
		{"What is 2+2?", "What is 2+3?"},
		{"What is 10 minus 3?", "What is 3 minus 10?"},
		{"Is aspirin safe for children?", "Is aspirin not safe for children?"},
		{"Can I use it?", "Can't I use it?"},
		{"What is the capital of France?", "What is the capital of Germany?"},
		{"Paris is the capital of which country?", "Berlin is the capital of which country?"},
		{"Convert 5 km to miles", "Convert 5 miles to km"},
		{"How many grams in a pound?", "How many grams in an ounce?"},
		{"Set the oven to 180 celsius", "Set the oven to 180 fahrenheit"},
		{"Is 5% interest good?", "Is 5 interest good?"},
		{"Compare GPT-4 and Claude", "Compare GPT-5 and Claude"},
		{"Recipe for 2 people", "Recipe for two dozen people"},
		{"Write a poem about Alice", "Write a poem about Bob"},
		{"What is the second largest city?", "What is the third largest city?"},
	} {
		if Guard(c[0], c[1]) {
			t.Errorf("Guard(%q, %q) = true; signature %q", c[0], c[1], Signature(c[0]))
		}
	}
}

func TestSignature(t *testing.T) {
	for text, want := range map[string]string{
		"":                               "n=;u=;not=0;e=",
		"What is 2+2?":                   "n=2,2;u=;not=0;e=",
		"It's 5km, not 3.50 miles, Bob.": "n=5km,3.5mi;u=;not=1;e=bob",
		"Paris and paris and PARIS":      "n=;u=;not=0;e=paris",
		"Use gpt-4o with 007 and 0.25 $": "n=4o,7,0.25;u=usd;not=0;e=",
		"What year did Italy win the World Cup in 2 days?": "n=2day;u=;not=0;e=italy,world",
		"ten thousand won't do. Nobody can":                "n=10,1000;u=;not=2;e=",
	} {
		if got := Signature(text); got != want {
			t.Errorf("Signature(%q) = %q, want %q", text, got, want)
		}
	}
	if GuardTag("What is 2+2?") != GuardTag("what's 2 + 2") || GuardTag("2+2") == GuardTag("2+3") {
		t.Error("GuardTag must follow Signature")
	}
}
