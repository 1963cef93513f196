package filterstage

import (
	"errors"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/filters"
)

// NewScanner builds the detectors the filters section asks for
// (filters.scan), the prompt-injection classifier included when
// scan.detectors names it.
func NewScanner(f *config.FiltersConfig) (*filters.Scanner, error) {
	scan, injection := f.ScanConfig()
	if injection {
		return nil, errors.New(`filters.scan.detectors: "injection": the classifier is not built into this binary`)
	}
	return filters.New(scan)
}
