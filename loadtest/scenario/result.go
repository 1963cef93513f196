package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Result is what a scenario reports: tables of numbers, checks that must
// hold (a failed one makes `loadtest/run` exit non-zero) and notes.
type Result struct {
	Scenario string             `json:"scenario"`
	Started  time.Time          `json:"started"`
	Elapsed  string             `json:"elapsed"`
	Smoke    bool               `json:"smoke"`
	Machine  string             `json:"machine"`
	Tables   []*Table           `json:"tables"`
	Checks   []Check            `json:"checks"`
	Notes    []string           `json:"notes"`
	Values   map[string]float64 `json:"values"` // named numbers for machines (e.g. "added_p50_ms")
	Root     string             `json:"-"`      // the repository the run was in (set by Execute)
}

// Table is one Markdown table of the result.
type Table struct {
	Title   string     `json:"title"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// Check is one assertion of the scenario.
type Check struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Pass bool   `json:"pass"`
}

// NewResult starts an empty result for the named scenario.
func NewResult(name string) *Result {
	return &Result{Scenario: name, Started: time.Now().UTC(), Machine: machine(), Values: map[string]float64{}}
}

// Table adds a table with the given columns and returns it for rows.
func (r *Result) Table(title string, columns ...string) *Table {
	t := &Table{Title: title, Columns: columns}
	r.Tables = append(r.Tables, t)
	return t
}

// Row appends a row; floats print with 3 significant decimals at most.
func (t *Table) Row(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = cell(c)
	}
	t.Rows = append(t.Rows, row)
}

// Check records an assertion; got and want print with %v.
func (r *Result) Check(name string, pass bool, want, got any) bool {
	r.Checks = append(r.Checks, Check{Name: name, Want: cell(want), Got: cell(got), Pass: pass})
	return pass
}

// Note appends a line of prose (the mix of requests, what was skipped…).
func (r *Result) Note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// Value records a named number for machine readers of the JSON.
func (r *Result) Value(name string, v float64) { r.Values[name] = v }

// Failed lists the checks that did not pass.
func (r *Result) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.Pass {
			out = append(out, c)
		}
	}
	return out
}

func cell(c any) string {
	switch v := c.(type) {
	case float64:
		return fmtFloat(v)
	case float32:
		return fmtFloat(float64(v))
	case time.Duration:
		return fmtFloat(float64(v)/float64(time.Millisecond)) + " ms"
	case string:
		return v
	}
	return fmt.Sprint(c)
}

func fmtFloat(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// Markdown renders the result as a report.
func (r *Result) Markdown() string {
	var b strings.Builder
	mode := ""
	if r.Smoke {
		mode = " (smoke: small counts, numbers mean nothing)"
	}
	fmt.Fprintf(&b, "## %s%s\n\n%s, %s, took %s\n\n", r.Scenario, mode, r.Started.Format("2006-01-02 15:04Z"), r.Machine, r.Elapsed)
	for _, t := range r.Tables {
		if t.Title != "" {
			fmt.Fprintf(&b, "%s\n\n", t.Title)
		}
		fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(t.Columns, " | "), strings.Repeat(" --- |", len(t.Columns)))
		for _, row := range t.Rows {
			fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
		}
		b.WriteString("\n")
	}
	if len(r.Checks) > 0 {
		b.WriteString("| check | want | got | pass |\n| --- | --- | --- | --- |\n")
		for _, c := range r.Checks {
			pass := "yes"
			if !c.Pass {
				pass = "**NO**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.Name, c.Want, c.Got, pass)
		}
		b.WriteString("\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}

// Write stores the result as <dir>/<scenario>-<time>.json and .md, and
// copies them to <scenario>-latest.*; it returns the Markdown path.
func (r *Result) Write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	stamp := r.Scenario + "-" + r.Started.Format("20060102T150405Z")
	if r.Smoke {
		stamp += "-smoke"
	}
	md := filepath.Join(dir, stamp+".md")
	for _, f := range []struct {
		name string
		data []byte
	}{
		{stamp + ".json", js}, {stamp + ".md", []byte(r.Markdown())},
		{r.Scenario + "-latest.json", js}, {r.Scenario + "-latest.md", []byte(r.Markdown())},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return "", err
		}
	}
	return md, nil
}
