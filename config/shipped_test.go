package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestShippedConfigsLoad: every config file the repository ships (k8s,
// load tests, the README's example) must load, so none rots unnoticed.
func TestShippedConfigsLoad(t *testing.T) {
	for _, v := range []string{"OPENAI_API_KEY", "AZURE_KEY", "SEARCH_KEY", "TOLLGATE_ADMIN_KEY", "TOLLGATE_OPS_KEY", "TOLLGATE_KEY_ACME_SEARCH", "TOLLGATE_KEY_GLOBEX_ADS", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"} {
		t.Setenv(v, "test-value-"+v) // distinct: a client key may not equal the admin key
	}
	files, _ := filepath.Glob("../loadtest/*.yaml")
	files = append(files, "../deploy/k8s/tollgate.yaml")
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(# tollgate.yaml.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README's example config not found")
	}
	if _, err := Parse(m[1], "README.md"); err != nil {
		t.Errorf("README example: %v", err)
	}
	if !strings.Contains(string(m[1]), "upstreams:") {
		t.Fatal("README example looks truncated")
	}
}
