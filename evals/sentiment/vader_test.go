package sentiment

import (
	"math"
	"testing"
)

// The examples of vaderSentiment's README with the compound scores the
// reference implementation prints for them (emoji example left out: emoji
// descriptions are not translated here).
func TestAgreesWithVADERExamples(t *testing.T) {
	cases := []struct {
		text string
		want float64
	}{
		{"VADER is smart, handsome, and funny.", 0.8316},
		{"VADER is smart, handsome, and funny!", 0.8439},
		{"VADER is very smart, handsome, and funny.", 0.8545},
		{"VADER is VERY SMART, handsome, and FUNNY.", 0.9227},
		{"VADER is VERY SMART, handsome, and FUNNY!!!", 0.9342},
		{"VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 0.9469},
		{"VADER is not smart, handsome, nor funny.", -0.7424},
		{"The book was good.", 0.4404},
		{"At least it isn't a horrible book.", 0.431},
		{"The book was only kind of good.", 0.3832},
		{"The plot was good, but the characters are uncompelling and the dialog is not great.", -0.7042},
		{"Today SUX!", -0.5461},
		{"Today only kinda sux! But I'll get by, lol", 0.5249},
		{"Make sure you :) or :D today!", 0.8633},
		{"Not bad at all", 0.431},
	}
	for _, c := range cases {
		if got := Score(c.text); math.Abs(got-c.want) > 0.00051 {
			t.Errorf("Score(%q) = %.4f, VADER gives %.4f", c.text, got, c.want)
		}
	}
}

func TestClearPolarity(t *testing.T) {
	pos := []string{
		"This is a wonderful, helpful answer. Thank you so much!",
		"I love how clear and friendly the explanation is.",
		"Great job, the team did excellent work.",
	}
	neg := []string{
		"This is a terrible, useless answer and I hate it.",
		"The service was awful, rude and disappointing.",
		"Unfortunately that is a horrible idea and it will fail badly.",
	}
	for _, s := range pos {
		if v := Score(s); v < 0.5 {
			t.Errorf("Score(%q) = %.3f, want clearly positive", s, v)
		}
	}
	for _, s := range neg {
		if v := Score(s); v > -0.5 {
			t.Errorf("Score(%q) = %.3f, want clearly negative", s, v)
		}
	}
	if v := Score("The meeting is at three in the room on the left."); v != 0 {
		t.Errorf("neutral sentence scored %.3f", v)
	}
}

func TestNegationAndIntensifiers(t *testing.T) {
	good, notGood, veryGood := Score("The food is good."), Score("The food is not good."), Score("The food is very good.")
	if !(notGood < 0 && good > 0 && veryGood > good) {
		t.Fatalf("good %.3f, not good %.3f, very good %.3f", good, notGood, veryGood)
	}
	if Score("It is slightly good.") >= good {
		t.Fatal("a dampener did not lower the score")
	}
}

func TestRangeAndEdgeCases(t *testing.T) {
	for _, s := range []string{"", "   ", "!!!!", "GOOD GOOD GOOD GOOD GOOD GOOD GOOD GOOD GOOD!!!!", "\xff\xfe", "but", "no", "least"} {
		if v := Score(s); !(v >= -1 && v <= 1) {
			t.Fatalf("Score(%q) = %v", s, v)
		}
	}
}
