package config

import (
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// expandEnvNodes replaces ${VAR} and ${VAR:-default} inside scalar values.
// Expanding parsed scalars (not raw text) keeps line numbers exact and stops a
// value containing ':' or '#' from changing the document's structure.
// An unset variable without a default is an error: a silently empty API key
// fails far from its cause.
func expandEnvNodes(n *yaml.Node, path string, errs *errorList) {
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return
		}
		out, missing := expandEnv(n.Value)
		for _, v := range missing {
			errs.add(n.Line, path, "environment variable %s is not set (write ${%s:-} to allow empty)", v, v)
		}
		n.Value = out
		if n.Tag == "!!null" || n.Tag == "" {
			n.Tag = "!!str"
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			expandEnvNodes(n.Content[i+1], joinPath(path, n.Content[i].Value), errs)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			expandEnvNodes(c, indexPath(path, i), errs)
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expandEnvNodes(c, path, errs)
		}
	}
}

// expandEnv expands one string and reports variables that were unset.
func expandEnv(s string) (string, []string) {
	var b strings.Builder
	var missing []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), missing
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), missing
		}
		b.WriteString(s[:i])
		expr := s[i+2 : i+j]
		name, def, hasDef := strings.Cut(expr, ":-")
		if v, ok := os.LookupEnv(name); ok && (v != "" || !hasDef) {
			b.WriteString(v)
		} else if hasDef {
			b.WriteString(def)
		} else {
			missing = append(missing, name)
		}
		s = s[i+j+1:]
	}
}
