package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrInvalid wraps every load or validation failure.
var ErrInvalid = errors.New("invalid config")

// Load reads, expands, decodes, defaults and validates the file at path.
// An empty path loads the embedded default config.
func Load(path string) (*Config, error) {
	if path == "" {
		return Parse(EmbeddedDefault(), "embedded")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return Parse(data, path)
}

// Parse turns YAML bytes into a validated Config. name prefixes every error
// ("file:line: field: problem") so a user can jump to the spot.
func Parse(data []byte, name string) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	cfg := &Config{Source: name}
	presetFilters(&cfg.Filters)
	lines := lineIndex{}
	if len(root.Content) > 0 {
		doc := root.Content[0]
		var errs errorList
		errs.name = name
		expandEnvNodes(doc, "", &errs)
		checkKnownFields(doc, configType, "", lines, &errs)
		if err := errs.err(); err != nil {
			return nil, err
		}
		if err := doc.Decode(cfg); err != nil {
			return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, name, cleanYAMLError(err))
		}
	}
	applyDefaults(cfg)
	if err := validate(cfg, name, lines); err != nil {
		return nil, err
	}
	return cfg, nil
}

// cleanYAMLError turns "yaml: unmarshal errors:\n  line 3: …" into "line 3: …; …".
func cleanYAMLError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// errorList collects problems so a user sees all of them at once.
type errorList struct {
	name string
	msgs []string
}

func (e *errorList) add(line int, field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case line > 0 && field != "":
		e.msgs = append(e.msgs, fmt.Sprintf("%s:%d: %s: %s", e.name, line, field, msg))
	case field != "":
		e.msgs = append(e.msgs, fmt.Sprintf("%s: %s: %s", e.name, field, msg))
	default:
		e.msgs = append(e.msgs, fmt.Sprintf("%s: %s", e.name, msg))
	}
}

func (e *errorList) err() error {
	if len(e.msgs) == 0 {
		return nil
	}
	var b bytes.Buffer
	for i, m := range e.msgs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(m)
	}
	return fmt.Errorf("%w:\n%s", ErrInvalid, b.String())
}
