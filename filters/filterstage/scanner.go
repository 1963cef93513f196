package filterstage

import (
	"slices"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/filters"
)

// NewScanner builds the detectors the filters section asks for
// (filters.scan; "injection" there is the prompt-injection classifier).
func NewScanner(f *config.FiltersConfig) (*filters.Scanner, error) {
	return filters.New(f.Scan)
}

// withoutClassifier builds, from the detectors' config scan, a scanner
// without the injection classifier, for answers whose output actions allow
// injection (the default): the classifier is the costliest detector, and
// its findings would be ignored there. nil when sc is not the real scanner
// (a stage's unit test) or has no classifier to leave out.
func withoutClassifier(scan filters.Config, sc Scanner) Scanner {
	if _, real := sc.(*filters.Scanner); !real || !slices.Contains(scan.Detectors, filters.KindInjection) {
		return nil
	}
	scan.Detectors = slices.DeleteFunc(slices.Clone(scan.Detectors), func(d string) bool { return d == filters.KindInjection })
	out, err := filters.New(scan)
	if err != nil {
		return nil // sc was built from the same config: cannot happen; answers then use sc
	}
	return out
}

// outScanner is the scanner for the request's answer.
func (st *reqState) outScanner() Scanner {
	if st.set.scOut != nil && st.t.out.action(filters.KindInjection) == actAllow {
		return st.set.scOut
	}
	return st.set.sc
}
