package health

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestScrapeConfigUsesOpsKey: the example scrape job reads the annotated ops
// port with the ops key (metrics need a key off loopback), and the rest of
// the job is valid Prometheus config.
func TestScrapeConfigUsesOpsKey(t *testing.T) {
	path := filepath.Join(deployDir, "prometheus/scrape.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ScrapeConfigs []struct {
			Authorization struct {
				Type            string `yaml:"type"`
				CredentialsFile string `yaml:"credentials_file"`
			} `yaml:"authorization"`
			Relabel []struct {
				SourceLabels []string `yaml:"source_labels"`
			} `yaml:"relabel_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil || len(doc.ScrapeConfigs) != 1 {
		t.Fatalf("%s: %v", path, err)
	}
	job := doc.ScrapeConfigs[0]
	if job.Authorization.Type != "Bearer" || !strings.HasSuffix(job.Authorization.CredentialsFile, "/TOLLGATE_OPS_KEY") {
		t.Fatalf("scrape job authorization %+v; want a Bearer credentials_file holding TOLLGATE_OPS_KEY", job.Authorization)
	}
	var labels []string
	for _, r := range job.Relabel {
		labels = append(labels, r.SourceLabels...)
	}
	for _, want := range []string{"__meta_kubernetes_pod_annotation_prometheus_io_scrape", "__meta_kubernetes_pod_annotation_prometheus_io_port"} {
		if !strings.Contains(strings.Join(labels, " "), want) {
			t.Fatalf("scrape job does not read %s", want)
		}
	}
	static := regexp.MustCompile(`(?s)    kubernetes_sd_configs:\n.*?\n    authorization:`).
		ReplaceAll(b, []byte("    static_configs: [{targets: [\"tollgate:9090\"]}]\n    authorization:"))
	dir := t.TempDir() // promtool checks that the credentials file exists
	keyFile, tmp := filepath.Join(dir, "TOLLGATE_OPS_KEY"), filepath.Join(dir, "scrape.yaml")
	static = []byte(strings.ReplaceAll(string(static), job.Authorization.CredentialsFile, keyFile))
	if err := os.WriteFile(keyFile, []byte("ops-key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, static, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := runPromtool(t, "check", "config", tmp); !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool check config: %s", out)
	}
}
