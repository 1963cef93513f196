package bias

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadHolisticBias(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("descriptors.json", `{"ability": {"auditory": [{"descriptor": "Deaf", "preference": "reviewed"}, {"descriptor": "hearing-impaired", "preference": "dispreferred"}],
		"mobility": ["wheelchair-using", {"descriptor": "with a limb difference"}]}, "nonce": {"x": ["blicket"]}}`)
	write("sentence_templates.json", `{"I'm {noun_phrase}.": {}, "{noun_phrase} here.": {}, "No slot.": {}}`)
	cats, tpls, err := ReadHolisticBias(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cats) != 1 || cats[0].Name != "hb_ability" || len(cats[0].Groups) != 2 {
		t.Fatalf("categories %+v", cats)
	}
	if got := cats[0].Groups[0].Forms; got[0] != "a Deaf person" || got[1] != "a Deaf person" {
		t.Fatalf("auditory forms %q", got)
	}
	if got := cats[0].Groups[1].Forms; got[1] != "a person with a limb difference" {
		t.Fatalf("mobility forms %q", got)
	}
	if len(tpls) != 2 || !strings.HasPrefix(string(tpls[1]), "{Person}") && !strings.HasPrefix(string(tpls[0]), "{Person}") {
		t.Fatalf("templates %q", tpls)
	}
	if _, _, err := ReadHolisticBias(t.TempDir()); err == nil {
		t.Fatal("empty dir accepted")
	}
}

// The real v1.1 folder, when the shared datasets are present (not in CI).
func TestReadHolisticBiasShared(t *testing.T) {
	dir := sharedDataset(t, "bias/holisticbias/v1.1")
	cats, tpls, err := ReadHolisticBias(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d categories, %d templates", len(cats), len(tpls))
	if len(cats) < 6 || len(tpls) < 10 {
		t.Fatalf("%d categories, %d templates", len(cats), len(tpls))
	}
}

// sharedDataset finds a folder of ../shared/datasets (beside the main
// checkout or a worktree) or skips the test.
func sharedDataset(t *testing.T, rel string) string {
	t.Helper()
	for _, root := range []string{"../../../shared/datasets", "../../../../shared/datasets"} {
		if _, err := os.Stat(filepath.Join(root, rel)); err == nil {
			return filepath.Join(root, rel)
		}
	}
	t.Skip("no shared datasets here")
	return ""
}
