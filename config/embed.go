package config

import _ "embed"

//go:embed default.yaml
var embeddedDefault []byte

// EmbeddedDefault returns the YAML of the built-in config.
func EmbeddedDefault() []byte { return embeddedDefault }
