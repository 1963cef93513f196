package filterstage

import (
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/filters"
)

// NewScanner builds the detectors the filters section asks for
// (filters.scan; "injection" there is the prompt-injection classifier).
func NewScanner(f *config.FiltersConfig) (*filters.Scanner, error) {
	return filters.New(f.Scan)
}
