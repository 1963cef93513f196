package policy

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
)

// printCoverage prints, for each serving policy file (tests excluded), the
// share of its lines the tests ran and the lines they never reached.
func printCoverage(w io.Writer, cov *cover.Cover, modules map[string]*ast.Module) {
	report := cov.Report(modules)
	var names []string
	for name := range report.Files {
		if !isTestFile(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	width := len("total")
	for _, name := range names {
		width = max(width, len(name))
	}
	fmt.Fprintln(w, "coverage (lines of the policy files the tests ran):")
	covered, total := 0, 0
	for _, name := range names {
		fr := report.Files[name]
		n := fr.CoveredLines + fr.NotCoveredLines
		covered, total = covered+fr.CoveredLines, total+n
		line := fmt.Sprintf("  %-*s %6.1f%%  (%d/%d)", width, name, percent(fr.CoveredLines, n), fr.CoveredLines, n)
		if len(fr.NotCovered) > 0 {
			line += "  not run: " + ranges(fr.NotCovered)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "  %-*s %6.1f%%  (%d/%d)\n", width, "total", percent(covered, total), covered, total)
}

func percent(part, whole int) float64 {
	if whole == 0 {
		return 100
	}
	return 100 * float64(part) / float64(whole)
}

// ranges formats line ranges as "7, 12-14", merging adjacent ones.
func ranges(rs []cover.Range) string {
	var out []string
	for i := 0; i < len(rs); {
		start, end := rs[i].Start.Row, rs[i].End.Row
		for i++; i < len(rs) && rs[i].Start.Row <= end+1; i++ {
			end = max(end, rs[i].End.Row)
		}
		s := strconv.Itoa(start)
		if end != start {
			s += "-" + strconv.Itoa(end)
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}
