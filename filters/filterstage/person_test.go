package filterstage

import (
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/filters"
)

// TestPersonThroughTheStage: the opt-in pii.person kind needs nothing of
// the stage but its name in the scanner's detectors: its placeholder is
// [PERSON_n], and pseudonyms come back in a streamed answer.
func TestPersonThroughTheStage(t *testing.T) {
	sc, err := filters.New(filters.Config{Detectors: []string{"pii.email", filters.KindPerson}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(config.FiltersConfig{Enabled: true,
		Input: config.FilterActions{"pii.person": "pseudonymize", "default": "flag"}, Output: config.FilterActions{}}, sc)
	if err != nil {
		t.Fatal(err)
	}
	st := &reqState{set: s.cur.Load()}
	st.t = st.set.pol.tablesFor("", "", "")
	body := []byte(`{"messages":[{"role":"user","content":"My name is Šárka Ottová, mail bob@example.com. Dear Ottová: hi"}]}`)
	st.inspect(body)
	got := userTexts(t, st.rewriteRequest(body, nil))
	if want := "My name is [PERSON_1], mail bob@example.com. Dear [PERSON_2]: hi"; got[0] != want {
		t.Fatalf("upstream sees %q, want %q", got[0], want)
	}
	for _, n := range []int{1, 5, 100} {
		st.stream = streamFilter{}
		evs, err := streamOf(newStream(t, st), split("Hello [PERSON_1] and [PERSON_2].", n))
		if err != nil {
			t.Fatal(err)
		}
		if text, _, _ := streamText(t, evs); text != "Hello Šárka Ottová and Ottová." {
			t.Fatalf("chunks of %d: client reads %q", n, text)
		}
	}
}
